-- Several nodes on one database (issue 20): the signing keys' version,
-- bumped by a trigger on every write to signing_keys so that nodes change
-- keys by compare-and-swap and poll one number to notice each other's
-- changes; the nodes' heartbeats; and the leases that let one node at a
-- time run the background work.
BEGIN;

CREATE TABLE keyset_version (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL
);
INSERT INTO keyset_version (id, version) VALUES (true, 1);

CREATE FUNCTION bump_keyset_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE keyset_version SET version = version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER signing_keys_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON signing_keys
    FOR EACH STATEMENT EXECUTE FUNCTION bump_keyset_version();

CREATE TABLE nodes (
    id         text PRIMARY KEY CHECK (id <> ''),
    version    text NOT NULL DEFAULT '',
    address    text NOT NULL DEFAULT '',
    started_at timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL
);

CREATE TABLE leases (
    name       text PRIMARY KEY CHECK (name <> ''),
    holder     text NOT NULL CHECK (holder <> ''),
    expires_at timestamptz NOT NULL
);

COMMIT;
