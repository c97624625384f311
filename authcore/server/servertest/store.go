package servertest

import (
	"context"
	"os"
	"testing"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/authcore/store/postgres"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// StoreEnv names the environment variable that chooses the store of every
// server Start builds: unset or "badger" for in-memory Badger,
// "postgres" for a fresh schema of the package's private PostgreSQL
// cluster. make test runs the end-to-end packages once with each.
const StoreEnv = "LATCHKEY_TEST_STORE"

// Main runs a package's tests on the store StoreEnv names, starting (and
// at the end removing) a private PostgreSQL cluster when that is
// "postgres". Use it as func TestMain(m *testing.M) { servertest.Main(m) }.
func Main(m *testing.M) {
	if onPostgres() {
		pgtest.Main(m)
		return
	}
	os.Exit(m.Run())
}

func onPostgres() bool { return os.Getenv(StoreEnv) == "postgres" }

// testKey is the data-encryption key of the PostgreSQL stores.
var testKey = []byte("servertest data-encryption key!!")

// openStore opens the store of one server.
func openStore(t testing.TB) (authcore.Storage, error) {
	if !onPostgres() {
		return badger.Open(badger.Options{InMemory: true})
	}
	return postgres.Open(context.Background(), postgres.Options{DSN: pgtest.Schema(t), EncryptionKey: testKey, Migrate: true})
}
