BEGIN;
-- One WebAuthn ceremony between its start and its finish, used once.
-- Passkeys themselves are factors (0050_factors).
CREATE TABLE passkey_challenges (
    id         text PRIMARY KEY CHECK (id <> ''),
    state      bytea NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);
COMMIT;
