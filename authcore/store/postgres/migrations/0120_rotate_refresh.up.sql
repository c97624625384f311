-- A refresh-token rotation in one statement, so that it costs one round
-- trip and one commit (issue 19: durable rotations per server core). It
-- does what RotateRefreshToken's transaction did, in the same order of
-- locks: the grant's row in share mode (a revocation of the family waits
-- for it, and it for a revocation), then the old token's row, marked
-- rotated only if it is not yet, so of concurrent rotations exactly one
-- wins and the others, after its commit, find the token rotated
-- (READ COMMITTED: each statement re-reads the row it waited for).
-- status: 'ok', 'consumed' (the token was rotated already; its row is
-- returned), 'not_found' (unknown or expired token, revoked or expired
-- grant) or 'wrong_grant' (the successor names another grant). Nothing
-- is written unless it is 'ok'.
CREATE FUNCTION rotate_refresh_token(
    old_hash text, new_hash text, new_grant text, new_client text, new_user text, new_scopes text[],
    new_jkt text, new_x5t text, new_expires timestamptz, new_created timestamptz,
    at_jti text, at_expires timestamptz, at_kid text, at_now timestamptz)
RETURNS TABLE (status text, o_hash text, o_grant_id text, o_client_id text, o_user_id text, o_scopes text[],
    o_jkt text, o_x5t text, o_rotated boolean, o_rotated_at timestamptz, o_next_hash text,
    o_expires_at timestamptz, o_created_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    g grants%ROWTYPE;
    o refresh_tokens%ROWTYPE;
BEGIN
    SELECT * INTO g FROM grants
        WHERE id = (SELECT t.grant_id FROM refresh_tokens t WHERE t.hash = old_hash) FOR SHARE;
    IF NOT FOUND OR g.revoked OR (g.expires_at IS NOT NULL AND g.expires_at <= at_now) THEN
        status := 'not_found';
        RETURN NEXT;
        RETURN;
    END IF;
    IF new_grant <> '' AND new_grant <> g.id THEN
        status := 'wrong_grant';
        RETURN NEXT;
        RETURN;
    END IF;
    UPDATE refresh_tokens t SET rotated = true, rotated_at = at_now, next_hash = new_hash
        WHERE t.hash = old_hash AND NOT t.rotated AND (t.expires_at IS NULL OR t.expires_at > at_now)
        RETURNING t.* INTO o;
    IF FOUND THEN
        INSERT INTO refresh_tokens (hash, grant_id, client_id, user_id, scopes, jkt, x5t, expires_at, created_at)
            VALUES (new_hash, g.id, new_client, new_user, new_scopes, new_jkt, new_x5t, new_expires, new_created);
        IF at_jti <> '' THEN
            DELETE FROM grant_tokens t WHERE t.grant_id = g.id AND t.expires_at <= at_now;
            INSERT INTO grant_tokens (grant_id, jti, expires_at, kid) VALUES (g.id, at_jti, at_expires, at_kid);
        END IF;
        status := 'ok';
    ELSE
        SELECT * INTO o FROM refresh_tokens t WHERE t.hash = old_hash;
        IF NOT FOUND OR NOT o.rotated OR (o.expires_at IS NOT NULL AND o.expires_at <= at_now) THEN
            status := 'not_found';
            RETURN NEXT;
            RETURN;
        END IF;
        status := 'consumed';
    END IF;
    o_hash := o.hash; o_grant_id := o.grant_id; o_client_id := o.client_id; o_user_id := o.user_id;
    o_scopes := o.scopes; o_jkt := o.jkt; o_x5t := o.x5t; o_rotated := o.rotated; o_rotated_at := o.rotated_at;
    o_next_hash := o.next_hash; o_expires_at := o.expires_at; o_created_at := o.created_at;
    RETURN NEXT;
END
$$;
