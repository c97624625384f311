-- The audit log on PostgreSQL (package audit, OpenPostgres): every node
-- records into these tables, each node extending its own SHA-256 hash
-- chain (node_id, seq). The stored line is the exact JSON the chain
-- hashes (bytea, never re-encoded); the other columns are copies of its
-- fields for the queries' indexes, checked against it by audit verify.
BEGIN;

-- One row per node: its chain head (moved in the same transaction as the
-- events that extend it) and the anchor pruning leaves.
CREATE TABLE audit_chains (
    node_id     text PRIMARY KEY CHECK (node_id <> ''),
    head_seq    bigint NOT NULL CHECK (head_seq >= 0),
    head_hash   text NOT NULL CHECK (length(head_hash) = 64),
    head_time   timestamptz,
    anchor_seq  bigint NOT NULL CHECK (anchor_seq >= 0 AND anchor_seq <= head_seq),
    anchor_hash text NOT NULL CHECK (length(anchor_hash) = 64),
    anchor_time timestamptz
);

CREATE TABLE audit_events (
    pos         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node_id     text NOT NULL REFERENCES audit_chains (node_id),
    seq         bigint NOT NULL CHECK (seq > 0),
    recorded_at timestamptz NOT NULL,
    type        text,
    outcome     text,
    client_id   text,
    subject     text,
    remote_ip   text,
    prev_hash   text NOT NULL CHECK (length(prev_hash) = 64),
    hash        text NOT NULL CHECK (length(hash) = 64),
    line        bytea NOT NULL,
    UNIQUE (node_id, seq)
);

-- Newest first, for scans, time ranges, export and each filter Query
-- answers from an index on Badger.
CREATE INDEX audit_events_time ON audit_events (recorded_at DESC, pos DESC);
CREATE INDEX audit_events_type ON audit_events (type, recorded_at DESC, pos DESC);
CREATE INDEX audit_events_outcome ON audit_events (outcome, recorded_at DESC, pos DESC);
CREATE INDEX audit_events_client ON audit_events (client_id, recorded_at DESC, pos DESC) WHERE client_id IS NOT NULL;
CREATE INDEX audit_events_subject ON audit_events (subject, recorded_at DESC, pos DESC) WHERE subject IS NOT NULL;
CREATE INDEX audit_events_remote ON audit_events (remote_ip, recorded_at DESC, pos DESC) WHERE remote_ip IS NOT NULL;

-- The cursor key every node signs Query cursors with, so a page fetched
-- from one node continues on another.
CREATE TABLE audit_meta (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);

COMMIT;
