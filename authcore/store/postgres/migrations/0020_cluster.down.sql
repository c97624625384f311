BEGIN;
DROP TABLE leases;
DROP TABLE nodes;
DROP TRIGGER signing_keys_version ON signing_keys;
DROP FUNCTION bump_keyset_version();
DROP TABLE keyset_version;
COMMIT;
