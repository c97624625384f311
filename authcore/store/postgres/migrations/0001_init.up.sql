-- Latchkey's PostgreSQL store, schema version 1.
--
-- Secrets never appear in plain text: client secrets, codes, refresh
-- tokens, session cookies and registration tokens are stored as the
-- hashes the server computes; signing keys' private material and identity
-- providers' client secrets are AES-GCM ciphertexts under the
-- data-encryption key (never readable without it). A NULL expires_at
-- never expires; every expiry is judged against the caller's clock, never
-- now() of this server.
BEGIN;

CREATE TABLE clients (
    id                      text PRIMARY KEY CHECK (id <> ''),
    type                    text NOT NULL CHECK (type IN ('confidential', 'public')),
    doc                     jsonb NOT NULL,
    secret_hash             bytea,
    prev_secret_hash        bytea,
    prev_secret_expires     timestamptz,
    registration_token_hash bytea,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL
);

CREATE TABLE users (
    id         text PRIMARY KEY CHECK (id <> ''),
    username   text NOT NULL UNIQUE CHECK (username <> ''),
    doc        jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE consents (
    user_id    text NOT NULL CHECK (user_id <> ''),
    client_id  text NOT NULL CHECK (client_id <> ''),
    scopes     text[] NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

CREATE TABLE sessions (
    id         text PRIMARY KEY CHECK (id <> ''),
    user_id    text NOT NULL CHECK (user_id <> ''),
    doc        jsonb NOT NULL,
    expires_at timestamptz,
    created_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE scopes (
    name        text PRIMARY KEY CHECK (name <> ''),
    description text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE settings (
    name  text PRIMARY KEY CHECK (name <> ''),
    value bytea NOT NULL
);

CREATE TABLE auth_codes (
    hash       text PRIMARY KEY CHECK (hash <> ''),
    doc        jsonb NOT NULL,
    consumed   boolean NOT NULL DEFAULT false,
    grant_id   text,
    expires_at timestamptz,
    created_at timestamptz NOT NULL,
    CHECK (consumed OR grant_id IS NULL)
);
CREATE INDEX auth_codes_expiry ON auth_codes (expires_at);

CREATE TABLE grants (
    id             text PRIMARY KEY CHECK (id <> ''),
    client_id      text NOT NULL,
    user_id        text NOT NULL,
    doc            jsonb NOT NULL,
    revoked        boolean NOT NULL DEFAULT false,
    revoked_at     timestamptz,
    revoked_reason text NOT NULL DEFAULT '',
    expires_at     timestamptz,
    created_at     timestamptz NOT NULL,
    CHECK (revoked = (revoked_at IS NOT NULL))
);
CREATE INDEX grants_expiry ON grants (expires_at);

-- The access tokens issued under a grant, in issue order, so revoking the
-- grant reaches them.
CREATE TABLE grant_tokens (
    seq        bigserial PRIMARY KEY,
    grant_id   text NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    jti        text NOT NULL CHECK (jti <> ''),
    expires_at timestamptz,
    kid        text NOT NULL DEFAULT ''
);
CREATE INDEX grant_tokens_grant ON grant_tokens (grant_id, seq);

CREATE TABLE refresh_tokens (
    hash       text PRIMARY KEY CHECK (hash <> ''),
    grant_id   text NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    client_id  text NOT NULL,
    user_id    text NOT NULL,
    scopes     text[] NOT NULL,
    jkt        text NOT NULL DEFAULT '',
    x5t        text NOT NULL DEFAULT '',
    rotated    boolean NOT NULL DEFAULT false,
    rotated_at timestamptz,
    next_hash  text,
    expires_at timestamptz,
    created_at timestamptz NOT NULL,
    CHECK (rotated = (next_hash IS NOT NULL)),
    CHECK (next_hash <> hash)
);
CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

CREATE TABLE revocations (
    jti        text PRIMARY KEY CHECK (jti <> ''),
    expires_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX revocations_expiry ON revocations (expires_at);

CREATE TABLE signing_keys (
    id           text PRIMARY KEY CHECK (id <> ''),
    algorithm    text NOT NULL,
    state        text NOT NULL CHECK (state IN ('next', 'active', 'retired', 'revoked')),
    private_key  bytea NOT NULL, -- AES-GCM ciphertext of the PKCS#8 DER
    created_at   timestamptz,
    activated_at timestamptz,
    retired_at   timestamptz,
    remove_after timestamptz,
    revoked_at   timestamptz,
    revoked_why  text NOT NULL DEFAULT ''
);

CREATE TABLE nonces (
    kind       text NOT NULL CHECK (kind <> ''),
    id         text NOT NULL CHECK (id <> ''),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX nonces_expiry ON nonces (expires_at);

CREATE TABLE identity_providers (
    id            text PRIMARY KEY CHECK (id <> ''),
    issuer        text NOT NULL UNIQUE CHECK (issuer <> ''),
    doc           jsonb NOT NULL,
    client_secret bytea, -- AES-GCM ciphertext
    created_at    timestamptz,
    updated_at    timestamptz
);

CREATE TABLE federated_links (
    issuer      text NOT NULL CHECK (issuer <> ''),
    subject     text NOT NULL CHECK (subject <> ''),
    user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider_id text NOT NULL DEFAULT '',
    created_at  timestamptz,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX federated_links_user ON federated_links (user_id);

CREATE TABLE pushed_requests (
    hash       text PRIMARY KEY CHECK (hash <> ''),
    client_id  text NOT NULL CHECK (client_id <> ''),
    params     jsonb NOT NULL,
    expires_at timestamptz,
    created_at timestamptz
);
CREATE INDEX pushed_requests_expiry ON pushed_requests (expires_at);

CREATE TABLE device_codes (
    hash       text PRIMARY KEY CHECK (hash <> ''),
    user_code  text NOT NULL UNIQUE CHECK (user_code <> ''),
    status     text NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
    redeemed   boolean NOT NULL DEFAULT false,
    doc        jsonb NOT NULL,
    expires_at timestamptz,
    created_at timestamptz
);
CREATE INDEX device_codes_expiry ON device_codes (expires_at);

-- One row sealed with the data-encryption key on first open, so a node
-- given another key refuses to start instead of failing on first use.
CREATE TABLE key_check (
    id     int PRIMARY KEY CHECK (id = 1),
    sealed bytea NOT NULL
);

COMMIT;
