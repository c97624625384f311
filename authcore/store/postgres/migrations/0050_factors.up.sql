-- Second factors of users (authcore.Factor). secret is AES-GCM
-- ciphertext under the data-encryption key, bound to the row.
BEGIN;
CREATE TABLE factors (
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id           text NOT NULL CHECK (id <> ''),
    kind         text NOT NULL CHECK (kind <> ''),
    doc          jsonb NOT NULL,
    secret       bytea,
    counter      bigint NOT NULL DEFAULT 0,
    created_at   timestamptz,
    last_used_at timestamptz,
    PRIMARY KEY (user_id, id)
);
COMMIT;
