package servertest

import (
	"context"
	"net"
	"testing"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/postgres"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// Node is one of the servers StartNodes serves.
type Node struct {
	Server *server.Server
	// URL is where this node listens; the issuer of every node is the
	// first node's URL, as behind a load balancer.
	URL string
}

// StartNodes serves n real Latchkey servers in this process on one
// store, as n nodes of a cluster: the same issuer (the first node's URL)
// and records, each with its own listener, caches and limiters. On
// PostgreSQL (StoreEnv) each node opens its own connection pool to one
// fresh schema, as separate processes would; on Badger they share one
// in-memory store. The edits apply to every node's configuration.
func StartNodes(t testing.TB, n int, edit ...func(*server.Config)) []Node {
	t.Helper()
	var open func() (authcore.Storage, error)
	if onPostgres() {
		dsn := pgtest.Schema(t)
		open = func() (authcore.Storage, error) {
			st, err := postgres.Open(context.Background(), postgres.Options{DSN: dsn, EncryptionKey: testKey, Migrate: true})
			if err == nil {
				t.Cleanup(func() { st.Close() })
			}
			return st, err
		}
	} else {
		st, err := openStore(t)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		open = func() (authcore.Storage, error) { return st, nil }
	}
	nodes := make([]Node, n)
	issuer := ""
	for i := range nodes {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		nodes[i].URL = "http://" + ln.Addr().String()
		if i == 0 {
			issuer = nodes[i].URL
		}
		st, err := open()
		if err != nil {
			ln.Close()
			t.Fatal(err)
		}
		cfg := server.Config{Issuer: issuer, Store: st, Logger: zerolog.Nop(), KeyAlgorithms: []string{"ES256"}}
		for _, f := range edit {
			f(&cfg)
		}
		nodes[i].Server = serve(t, ln, cfg)
	}
	return nodes
}
