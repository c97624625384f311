BEGIN;
DROP TABLE key_check, device_codes, pushed_requests, federated_links, identity_providers, nonces,
    signing_keys, revocations, refresh_tokens, grant_tokens, grants, auth_codes, settings,
    scopes, sessions, consents, users, clients;
COMMIT;
