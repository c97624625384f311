BEGIN;
DROP INDEX audit_events_failure;
CREATE INDEX audit_events_outcome ON audit_events (outcome, recorded_at DESC, pos DESC);
ALTER TABLE audit_events ADD CONSTRAINT audit_events_node_id_fkey FOREIGN KEY (node_id) REFERENCES audit_chains (node_id);
COMMIT;
