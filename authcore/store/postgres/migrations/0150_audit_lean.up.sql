-- Fewer writes per audit event (issue 19: a client_credentials token
-- writes nothing but its audit event, so the event's cost is the token's
-- cost on PostgreSQL).
--
-- The foreign key from audit_events to audit_chains ran a row-locking
-- SELECT on the node's chain row for every event inserted (a trigger per
-- row, about a tenth of the database's CPU per token). It checked nothing
-- the writer's statement does not: pgCommit (audit/pg_commit.go) inserts
-- a batch only if the same statement moved that chain row, and audit
-- verify reports events of a node that has no chain row.
--
-- Outcome has two values and almost every event succeeds, so an index
-- over all of them costs every event a write and helps no query: a filter
-- on success reads the time index (nearly every row matches). Failures
-- are kept in a partial index of their own, which is what a filter on
-- failure reads (pgWhere spells the value out, so the planner can use it).
BEGIN;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_node_id_fkey;
DROP INDEX audit_events_outcome;
CREATE INDEX audit_events_failure ON audit_events (recorded_at DESC, pos DESC) WHERE outcome = 'failure';
COMMIT;
