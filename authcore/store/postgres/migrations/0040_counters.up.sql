-- Throttle counters shared by every node (authcore.Counters): failed
-- client authentications and failed logins per client and per address.
CREATE TABLE counters (
    key        text PRIMARY KEY CHECK (key <> ''),
    n          bigint NOT NULL CHECK (n > 0),
    expires_at timestamptz NOT NULL
);
CREATE INDEX counters_expiry ON counters (expires_at);
