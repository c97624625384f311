-- Latchkey's PostgreSQL store, schema version 30: the change log that
-- lets several nodes on one database keep their per-node state in step
-- (issue 20).
--
-- Every write a node may hold in memory or pass on to standalone
-- gateways (a revoked access token, a client, scope, identity provider,
-- setting or signing key) adds a row here in the same transaction, by
-- trigger, so no write path can forget it and a row exists exactly when
-- the change committed. The row says what changed, never a secret or a
-- record's content. A NOTIFY on channel latchkey_changes tells listeners
-- to look (PostgreSQL delivers it at commit, and not for a rolled-back
-- transaction); the rows are the source of truth, read by cursor.
--
-- txid is the writing transaction's id. A reader keeps as its cursor the
-- xmin of the snapshot it last read with (every transaction below it had
-- ended then) and reads txid >= cursor again next time, so a transaction
-- that took its id early and committed late is never skipped, as a
-- plain "id > last id" cursor would (authcore/store/postgres/changes.go).
BEGIN;

CREATE TABLE changes (
    id         bigserial PRIMARY KEY,
    txid       xid8 NOT NULL DEFAULT pg_current_xact_id(),
    kind       text NOT NULL CHECK (kind <> ''),
    ref        text NOT NULL DEFAULT '',
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX changes_txid ON changes (txid);
CREATE INDEX changes_created ON changes (created_at);

CREATE FUNCTION changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('latchkey_changes', '');
    RETURN NULL;
END $$;

CREATE TRIGGER changes_notify AFTER INSERT ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION changes_notify();

-- A revocation: its jti and its token's expiry, for the feed.
CREATE FUNCTION changes_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (kind, ref, expires_at) VALUES ('revoked', NEW.jti, NEW.expires_at);
    RETURN NULL;
END $$;

CREATE TRIGGER changes_revoked AFTER INSERT OR UPDATE ON revocations
    FOR EACH ROW EXECUTE FUNCTION changes_revoked();

-- A record another node may cache: its kind (TG_ARGV[0]) and key.
CREATE FUNCTION changes_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rec record;
BEGIN
    IF TG_OP = 'DELETE' THEN rec := OLD; ELSE rec := NEW; END IF;
    INSERT INTO changes (kind, ref) VALUES (TG_ARGV[0], to_jsonb(rec) ->> TG_ARGV[1]);
    RETURN NULL;
END $$;

CREATE TRIGGER changes_client AFTER INSERT OR UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION changes_record('client', 'id');
CREATE TRIGGER changes_scope AFTER INSERT OR UPDATE OR DELETE ON scopes
    FOR EACH ROW EXECUTE FUNCTION changes_record('scope', 'name');
CREATE TRIGGER changes_idp AFTER INSERT OR UPDATE OR DELETE ON identity_providers
    FOR EACH ROW EXECUTE FUNCTION changes_record('idp', 'id');
CREATE TRIGGER changes_setting AFTER INSERT OR UPDATE OR DELETE ON settings
    FOR EACH ROW EXECUTE FUNCTION changes_record('setting', 'name');
CREATE TRIGGER changes_key AFTER INSERT OR UPDATE OR DELETE ON signing_keys
    FOR EACH ROW EXECUTE FUNCTION changes_record('key', 'id');

COMMIT;
