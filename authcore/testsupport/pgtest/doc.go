// Package pgtest starts private PostgreSQL clusters for tests and
// benchmarks: initdb into a temporary directory (as the postgres OS user
// when running as root), pg_ctl start on a free loopback port with the
// socket in that directory and fsync=on, password authentication with a
// random password, and removal of everything at the end, also on a
// failure or an interrupt. Clusters of processes that died without
// cleaning up are swept at the next start.
//
// A test package uses one cluster and one database for all its tests:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and gives each test a fresh schema (Schema) or database (Database).
// The server programs come from /usr/lib/postgresql/*/bin (Debian's
// postgresql package, installed by make test-deps) or $LATCHKEY_PG_BIN;
// without them the tests fail with that message, never skip.
//
// It imports nothing of Latchkey, so any test and the bench program may
// use it.
package pgtest
