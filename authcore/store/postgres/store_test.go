package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/storetest"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testKey is the data-encryption key of the tests' stores.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// openTest opens a store on a fresh schema of the package's database.
func openTest(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.DSN == "" {
		opts.DSN = pgtest.Schema(t)
	}
	if opts.EncryptionKey == nil {
		opts.EncryptionKey = testKey
	}
	opts.Migrate = true
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// createFamily stores grant id (client web, user, scopes openid and
// offline_access) with its first refresh token, id+"-rt0", created now;
// the grant expires at grantExp, the token at tokenExp.
func createFamily(t testing.TB, s *Store, id, user string, now, grantExp, tokenExp time.Time) authcore.RefreshToken {
	t.Helper()
	g := authcore.Grant{ID: id, ClientID: "web", UserID: user, Scopes: []string{"openid", "offline_access"},
		AuthTime: now, CreatedAt: now, ExpiresAt: grantExp}
	rt := authcore.RefreshToken{Hash: id + "-rt0", GrantID: id, ClientID: "web", UserID: user, Scopes: g.Scopes,
		ExpiresAt: tokenExp, CreatedAt: now}
	if err := s.CreateGrant(context.Background(), g, &rt); err != nil {
		t.Fatal(err)
	}
	return rt
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) authcore.Storage {
		return openTest(t, Options{Now: now})
	})
}
