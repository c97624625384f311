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

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) authcore.Storage {
		return openTest(t, Options{Now: now})
	})
}
