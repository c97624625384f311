package postgres

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// TestSealedColumns: a signing key's DER and a provider's client secret
// are not in their columns in plain text, a ciphertext moved to another
// row does not open, and another key refuses the database at Open.
func TestSealedColumns(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Schema(t)
	s := openTest(t, Options{DSN: dsn})
	der := []byte("-----private key material 0123456789-----")
	for _, id := range []string{"k1", "k2"} {
		if err := s.PutSigningKeys(ctx, authcore.SigningKey{ID: id, Algorithm: "ES256", State: authcore.KeyNext, PrivateDER: der}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateIdentityProvider(ctx, authcore.IdentityProvider{ID: "corp", Issuer: "https://idp.example", ClientSecret: "idp-client-secret-xyz"}); err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	if err := s.Pool().QueryRow(ctx, `SELECT private_key FROM signing_keys WHERE id = 'k1'`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, der) {
		t.Error("signing key stored in plain text")
	}
	var secret []byte
	if err := s.Pool().QueryRow(ctx, `SELECT client_secret FROM identity_providers WHERE id = 'corp'`).Scan(&secret); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(secret, []byte("idp-client-secret-xyz")) {
		t.Error("IdP client secret stored in plain text")
	}
	// A ciphertext swapped into another row does not open.
	if _, err := s.Pool().Exec(ctx, `UPDATE signing_keys SET private_key = $1 WHERE id = 'k2'`, sealed); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListSigningKeys(ctx); !errors.Is(err, errWrongKey) {
		t.Errorf("ListSigningKeys with a moved ciphertext: %v, want errWrongKey", err)
	}

	other := bytes.Repeat([]byte{7}, 32)
	if _, err := Open(ctx, Options{DSN: dsn, EncryptionKey: other}); !errors.Is(err, ErrWrongEncryptionKey) {
		t.Errorf("Open with another key: %v, want ErrWrongEncryptionKey", err)
	}
	if _, err := Open(ctx, Options{DSN: dsn}); !errors.Is(err, ErrNoEncryptionKey) {
		t.Errorf("Open without a key: %v, want ErrNoEncryptionKey", err)
	}
}

// TestConflictIsTryAgain: a transaction that keeps failing with a
// serialization failure or a deadlock is rerun, updater included, and
// ends in authcore.ErrConflict with nothing written.
func TestConflictIsTryAgain(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	for _, code := range []string{"40001", "40P01"} {
		runs := 0
		err := s.tx(ctx, func(tx pgx.Tx) error {
			runs++
			if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value) VALUES ('x', 'y')`); err != nil {
				return err
			}
			return &pgconn.PgError{Code: code}
		})
		if !errors.Is(err, authcore.ErrConflict) || runs != maxAttempts {
			t.Errorf("%s: err %v after %d runs, want ErrConflict after %d", code, err, runs, maxAttempts)
		}
		if _, err := s.GetSetting(ctx, "x"); !errors.Is(err, authcore.ErrNotFound) {
			t.Errorf("%s: a conflicting transaction left a write: %v", code, err)
		}
	}
	// An updater's own error is returned as is, after one run.
	if err := s.CreateUser(ctx, authcore.User{ID: "u", Username: "u"}); err != nil {
		t.Fatal(err)
	}
	mine, runs := errors.New("mine"), 0
	err := s.UpdateUser(ctx, "u", func(u authcore.User) (authcore.User, error) { runs++; return u, mine })
	if err != mine || runs != 1 {
		t.Errorf("updater error: %v after %d runs", err, runs)
	}
}

func TestMaskDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://lk:s3cr%40t@db:5432/latchkey?sslmode=require": "postgres://lk:xxxxx@db:5432/latchkey?sslmode=require",
		"postgresql://lk@db/latchkey":                             "postgresql://lk@db/latchkey",
		"postgres://db/latchkey?password=s3cret&sslmode=disable":  "postgres://db/latchkey?password=xxxxx&sslmode=disable",
		"host=db user=lk password='s3 cret' dbname=latchkey":      "host=db user=lk password=xxxxx dbname=latchkey",
		"host=db password=s3cret":                                 "host=db password=xxxxx",
	} {
		got := MaskDSN(in)
		if got != want {
			t.Errorf("MaskDSN(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "s3c") {
			t.Errorf("MaskDSN(%q) leaks the password: %q", in, got)
		}
	}
}

// TestOpenErrorHidesPassword: a failed connection's error names the
// database without its password.
func TestOpenErrorHidesPassword(t *testing.T) {
	c := pgtest.Shared(t)
	dsn := strings.Replace(pgtest.DSN(t), c.Password, "wrong-pass-1234", 1)
	_, err := Open(context.Background(), Options{DSN: dsn, EncryptionKey: testKey})
	if err == nil || strings.Contains(err.Error(), "wrong-pass-1234") || strings.Contains(err.Error(), c.Password) {
		t.Errorf("Open with a wrong password: %v", err)
	}
}

// TestPoolConfig: defaults for a small node, the URL's own pool and
// timeout parameters win over them, and Options win over the URL.
func TestPoolConfig(t *testing.T) {
	base := "postgres://u:p@db/x?sslmode=disable"
	cfg, err := poolConfig(Options{DSN: base})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxConns < 8 || cfg.MaxConns > 32 || cfg.ConnConfig.ConnectTimeout != 5*time.Second || cfg.ConnConfig.RuntimeParams["statement_timeout"] != "15000" {
		t.Errorf("defaults: max %d, connect %v, statement %s", cfg.MaxConns, cfg.ConnConfig.ConnectTimeout, cfg.ConnConfig.RuntimeParams["statement_timeout"])
	}
	cfg, err = poolConfig(Options{DSN: base + "&pool_max_conns=3&connect_timeout=2&statement_timeout=700"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxConns != 3 || cfg.ConnConfig.ConnectTimeout != 2*time.Second || cfg.ConnConfig.RuntimeParams["statement_timeout"] != "700" {
		t.Errorf("URL parameters: max %d, connect %v, statement %s", cfg.MaxConns, cfg.ConnConfig.ConnectTimeout, cfg.ConnConfig.RuntimeParams["statement_timeout"])
	}
	cfg, _ = poolConfig(Options{DSN: base + "&pool_max_conns=3", MaxConns: 5, StatementTimeout: time.Second})
	if cfg.MaxConns != 5 || cfg.ConnConfig.RuntimeParams["statement_timeout"] != "1000" {
		t.Errorf("Options: max %d, statement %s", cfg.MaxConns, cfg.ConnConfig.RuntimeParams["statement_timeout"])
	}
	if _, err := poolConfig(Options{DSN: "postgres://u:s3cret@db:notaport/x"}); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("bad DSN: %v", err)
	}
}
