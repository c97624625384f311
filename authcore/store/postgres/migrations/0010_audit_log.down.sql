BEGIN;
DROP TABLE audit_meta;
DROP TABLE audit_events;
DROP TABLE audit_chains;
COMMIT;
