BEGIN;
-- A session's last recorded use (TouchSession, at most once a minute per
-- session); NULL until the session is first used after its sign-in.
ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz, ADD COLUMN last_seen_ip text NOT NULL DEFAULT '';
COMMIT;
