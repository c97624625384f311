BEGIN;
-- CIBA backchannel authentication requests (authcore.BackchannelRequest),
-- keyed by the SHA-256 of the auth_req_id. notification_token is the
-- ping-mode client_notification_token, AES-GCM sealed under the
-- data-encryption key and bound to the row.
CREATE TABLE backchannel_requests (
    hash               text PRIMARY KEY CHECK (hash <> ''),
    user_id            text NOT NULL CHECK (user_id <> ''),
    status             text NOT NULL,
    redeemed           boolean NOT NULL DEFAULT false,
    doc                jsonb NOT NULL,
    notification_token bytea,
    expires_at         timestamptz NOT NULL,
    created_at         timestamptz
);
CREATE INDEX backchannel_requests_user ON backchannel_requests (user_id, created_at);
CREATE INDEX backchannel_requests_expiry ON backchannel_requests (expires_at);
COMMIT;
