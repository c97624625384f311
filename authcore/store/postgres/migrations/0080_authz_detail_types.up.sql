BEGIN;
-- The RFC 9396 authorization_details types the administrator registered:
-- a JSON Schema per type and the consent page's words for one object.
CREATE TABLE authz_detail_types (
    type             text PRIMARY KEY CHECK (type <> ''),
    description      text NOT NULL DEFAULT '',
    schema           text NOT NULL,
    consent_template text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
COMMIT;
