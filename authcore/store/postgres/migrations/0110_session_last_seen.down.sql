BEGIN;
ALTER TABLE sessions DROP COLUMN last_seen_at, DROP COLUMN last_seen_ip;
COMMIT;
