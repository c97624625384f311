BEGIN;
DROP TABLE authz_detail_types;
COMMIT;
