package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/latchkey/latchkey/authcore"
)

var (
	_ authcore.Exporter = (*Store)(nil)
	_ authcore.Importer = (*Store)(nil)
)

// ErrNotEmpty: Import was given a database that already holds records.
var ErrNotEmpty = errors.New("postgres: the target database already holds records; store copy needs an empty one")

// recordTables are the tables of records (not the schema's own).
var recordTables = []string{"clients", "users", "consents", "sessions", "scopes", "settings", "signing_keys",
	"auth_codes", "grants", "grant_tokens", "refresh_tokens", "revocations", "nonces", "identity_providers",
	"federated_links", "pushed_requests", "device_codes", "factors"}

// Export returns every record, expired ones included, read in one
// REPEATABLE READ transaction so the snapshot is consistent.
func (s *Store) Export(ctx context.Context) (authcore.Snapshot, error) {
	var out authcore.Snapshot
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		q := func(sql string) (pgx.Rows, error) { return tx.Query(ctx, sql) }
		var err error
		if out.Clients, err = collect(q, `SELECT `+clientCols+` FROM clients ORDER BY id`, scanClient); err != nil {
			return err
		}
		if out.Users, err = collect(q, `SELECT `+userCols+` FROM users ORDER BY id`, scanUser); err != nil {
			return err
		}
		if out.Consents, err = collect(q, `SELECT user_id, client_id, scopes, created_at FROM consents ORDER BY user_id, client_id`, scanConsent); err != nil {
			return err
		}
		if out.Sessions, err = collect(q, `SELECT `+sessionCols+` FROM sessions ORDER BY id`, scanSession); err != nil {
			return err
		}
		if out.Scopes, err = collect(q, `SELECT name, description, created_at FROM scopes ORDER BY name`, scanScope); err != nil {
			return err
		}
		if out.AuthCodes, err = collect(q, `SELECT `+codeCols+` FROM auth_codes ORDER BY hash`, scanCode); err != nil {
			return err
		}
		if out.Grants, err = collect(q, `SELECT `+grantCols+` FROM grants ORDER BY id`, scanGrant); err != nil {
			return err
		}
		for i := range out.Grants {
			if out.Grants[i].AccessJTIs, err = accessTokens(ctx, tx, out.Grants[i].ID); err != nil {
				return err
			}
		}
		if out.RefreshTokens, err = collect(q, `SELECT `+rtCols+` FROM refresh_tokens ORDER BY hash`, scanRT); err != nil {
			return err
		}
		if out.Revocations, err = collect(q, `SELECT jti, expires_at, revoked_at FROM revocations ORDER BY jti`, scanRevocation); err != nil {
			return err
		}
		if out.UsedOnce, err = collect(q, `SELECT kind, id, expires_at, used_at FROM nonces ORDER BY kind, id`, func(row pgx.Row) (authcore.UsedOnce, error) {
			var u authcore.UsedOnce
			return u, storeErr(row.Scan(&u.Kind, &u.ID, &u.ExpiresAt, &u.UsedAt))
		}); err != nil {
			return err
		}
		if out.IdentityProviders, err = collect(q, `SELECT `+idpCols+` FROM identity_providers ORDER BY id`, s.scanIDP); err != nil {
			return err
		}
		if out.FederatedLinks, err = collect(q, `SELECT `+linkCols+` FROM federated_links ORDER BY issuer, subject`, scanLink); err != nil {
			return err
		}
		if out.PushedRequests, err = collect(q, `SELECT hash, client_id, params, expires_at, created_at FROM pushed_requests ORDER BY hash`, scanPAR); err != nil {
			return err
		}
		if out.DeviceCodes, err = collect(q, `SELECT `+deviceCols+` FROM device_codes ORDER BY hash`, scanDevice); err != nil {
			return err
		}
		if out.Factors, err = collect(q, `SELECT `+factorCols+` FROM factors ORDER BY user_id, id`, s.scanFactor); err != nil {
			return err
		}
		settings, err := collect(q, `SELECT name, value FROM settings ORDER BY name`, func(row pgx.Row) ([2][]byte, error) {
			var name string
			var v []byte
			if err := row.Scan(&name, &v); err != nil {
				return [2][]byte{}, storeErr(err)
			}
			v, err := s.openSetting(name, v) // settings_once.go
			return [2][]byte{[]byte(name), v}, err
		})
		if err != nil {
			return err
		}
		for _, kv := range settings {
			if out.Settings == nil {
				out.Settings = map[string][]byte{}
			}
			out.Settings[string(kv[0])] = kv[1]
		}
		keys, err := collect(q, `SELECT `+keyCols+` FROM signing_keys ORDER BY created_at NULLS FIRST, id`, s.scanKey)
		out.SigningKeys = keys
		return err
	})
	return out, storeErr(err)
}

// collect runs sql through q and scans every row.
func collect[T any](q func(string) (pgx.Rows, error), sql string, scan func(pgx.Row) (T, error)) ([]T, error) {
	rows, err := q(sql)
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, storeErr(rows.Err())
}

// Import writes every record of snap into this store, which must hold
// none, in one transaction (authcore.Importer). Records keep their state:
// rotated refresh tokens stay rotated, consumed codes consumed.
func (s *Store) Import(ctx context.Context, snap authcore.Snapshot) error {
	defer s.clients.forget()
	return s.tx(ctx, func(tx pgx.Tx) error {
		// Lock out a concurrent import or a node writing meanwhile.
		if _, err := tx.Exec(ctx, `LOCK TABLE `+joinTables()+` IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		for _, t := range recordTables {
			var has bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&has); err != nil {
				return err
			}
			if has {
				return ErrNotEmpty
			}
		}
		b := &pgx.Batch{}
		for _, c := range snap.Clients {
			b.Queue(`INSERT INTO clients (`+clientCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, clientArgs(c)...)
		}
		for _, u := range snap.Users {
			b.Queue(`INSERT INTO users (`+userCols+`) VALUES ($1,$2,$3,$4,$5)`, userArgs(u)...)
		}
		for _, c := range snap.Consents {
			b.Queue(`INSERT INTO consents (user_id, client_id, scopes, created_at) VALUES ($1,$2,$3,$4)`, c.UserID, c.ClientID, strs(c.Scopes), c.CreatedAt)
		}
		for _, ss := range snap.Sessions {
			b.Queue(`INSERT INTO sessions (`+sessionCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7)`, sessionArgs(ss)...)
		}
		for _, sc := range snap.Scopes {
			b.Queue(`INSERT INTO scopes (name, description, created_at) VALUES ($1,$2,$3)`, sc.Name, sc.Description, sc.CreatedAt)
		}
		for name, v := range snap.Settings {
			b.Queue(`INSERT INTO settings (name, value) VALUES ($1,$2)`, name, s.sealSetting(name, append([]byte{}, v...)))
		}
		for _, k := range snap.SigningKeys {
			b.Queue(`INSERT INTO signing_keys (`+keyCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, s.keyArgs(k)...)
		}
		for _, c := range snap.AuthCodes {
			args := codeArgs(c)
			b.Queue(`INSERT INTO auth_codes (hash, doc, expires_at, created_at, consumed, grant_id) VALUES ($1,$2,$3,$4,$5,$6)`,
				append(args, c.Consumed, nullable(c.GrantID))...)
		}
		for _, g := range snap.Grants {
			b.Queue(`INSERT INTO grants (`+grantCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, grantArgs(g)...)
			for _, t := range g.AccessJTIs {
				b.Queue(`INSERT INTO grant_tokens (grant_id, jti, expires_at, kid) VALUES ($1,$2,$3,$4)`, g.ID, t.JTI, ts(t.ExpiresAt), t.Kid)
			}
		}
		for _, rt := range snap.RefreshTokens {
			b.Queue(`INSERT INTO refresh_tokens (hash, grant_id, client_id, user_id, scopes, jkt, x5t, expires_at, created_at, rotated, rotated_at, next_hash)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
				rt.Hash, rt.GrantID, rt.ClientID, rt.UserID, strs(rt.Scopes), rt.JKT, rt.X5T, ts(rt.ExpiresAt), rt.CreatedAt,
				rt.Rotated, ts(rt.RotatedAt), nullable(rt.NextHash))
		}
		for _, r := range snap.Revocations {
			b.Queue(`INSERT INTO revocations (jti, expires_at, revoked_at) VALUES ($1,$2,$3)`, r.JTI, ts(r.ExpiresAt), ts(r.RevokedAt))
		}
		for _, u := range snap.UsedOnce {
			b.Queue(`INSERT INTO nonces (kind, id, expires_at, used_at) VALUES ($1,$2,$3,$4)`, u.Kind, u.ID, u.ExpiresAt, u.UsedAt)
		}
		for _, p := range snap.IdentityProviders {
			b.Queue(`INSERT INTO identity_providers (`+idpCols+`) VALUES ($1,$2,$3,$4,$5,$6)`, s.idpArgs(p)...)
		}
		for _, l := range snap.FederatedLinks {
			b.Queue(`INSERT INTO federated_links (`+linkCols+`) VALUES ($1,$2,$3,$4,$5)`, l.Issuer, l.Subject, l.UserID, l.ProviderID, ts(l.CreatedAt))
		}
		for _, r := range snap.PushedRequests {
			b.Queue(`INSERT INTO pushed_requests (hash, client_id, params, expires_at, created_at) VALUES ($1,$2,$3,$4,$5)`, parArgs(r)...)
		}
		for _, d := range snap.DeviceCodes {
			b.Queue(`INSERT INTO device_codes (`+deviceCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7)`, deviceArgs(d)...)
		}
		for _, f := range snap.Factors {
			b.Queue(`INSERT INTO factors (`+factorCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, s.factorArgs(f)...)
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

func joinTables() string {
	out := ""
	for i, t := range recordTables {
		if i > 0 {
			out += ", "
		}
		out += t
	}
	return out
}

// nullable is s for a nullable text column: NULL for "".
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
