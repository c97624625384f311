package server_test

import (
	"testing"

	"github.com/latchkey/latchkey/authcore/server/servertest"
)

// TestMain runs the package on the store servertest.StoreEnv names:
// Badger by default, PostgreSQL with LATCHKEY_TEST_STORE=postgres.
func TestMain(m *testing.M) { servertest.Main(m) }
