BEGIN;
DROP TABLE passkey_challenges;
COMMIT;
