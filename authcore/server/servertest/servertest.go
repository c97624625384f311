// Package servertest starts a real Latchkey for tests: the server of
// authcore/server, over an in-memory Badger store (or, with
// LATCHKEY_TEST_STORE=postgres and Main, a fresh PostgreSQL schema of a
// private cluster), behind its middleware,
// on a free loopback port whose URL is the issuer. It is for tests only
// (authcore's layering test checks that no non-test file imports it); the
// scaffolding that does not need the server is in authcore/testsupport.
package servertest

import (
	"context"
	"net"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore/server"
)

// Start serves a real Latchkey on 127.0.0.1 and returns it with its
// issuer URL. Each edit changes the configuration before the server is
// built; it starts with the issuer, the store, a silent logger and ES256
// keys alone set (set Audit, Now or Policy there; KeyAlgorithms nil for
// the production default, whose RSA keys cost about a second each under
// -race). The server, the listener and the store are closed when the
// test ends.
func Start(t testing.TB, edit ...func(*server.Config)) (*server.Server, string) {
	t.Helper()
	return StartAt(t, "127.0.0.1", edit...)
}

// StartAt is Start with host in the issuer URL instead of 127.0.0.1; it
// still listens on 127.0.0.1. A second server started at "localhost"
// plays an external provider: browsers and cookie jars keep the two apart.
func StartAt(t testing.TB, host string, edit ...func(*server.Config)) (*server.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	issuer := "http://" + net.JoinHostPort(host, port)
	st, err := openStore(t)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := server.Config{Issuer: issuer, Store: st, Logger: zerolog.Nop(), KeyAlgorithms: []string{"ES256"}}
	for _, f := range edit {
		f(&cfg)
	}
	return serve(t, ln, cfg), issuer
}

// serve builds the server of cfg and serves it on ln until the test ends.
func serve(t testing.TB, ln net.Listener, cfg server.Config) *server.Server {
	t.Helper()
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(server.Middleware(zerolog.Nop(), srv.Handler()))
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(hs.Close)
	// First of the cleanups to run: stop back-channel logout retries
	// before the listener and the store go away.
	t.Cleanup(srv.OIDC.Close)
	return srv
}
