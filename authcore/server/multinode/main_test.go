// Package multinode_test runs several in-process Latchkey servers on one
// PostgreSQL database, each with its own store pool, caches and feed, as
// separate nodes of one cluster behind a load balancer would be (issue
// 20): what one node changes must reach the others within a second.
package multinode_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/postgres"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var testKey = []byte("multinode data-encryption key!!!")

// node is one Latchkey server of the cluster.
type node struct {
	srv  *server.Server
	url  string
	hs   *httptest.Server
	stop context.CancelFunc
}

// kill ends the node as a crash would for its peers: every connection
// cut, its feed closed, its background work stopped.
func (n *node) kill() {
	n.stop()
	n.srv.Feed.Close()
	n.hs.CloseClientConnections()
	n.hs.Close()
}

// startCluster starts n nodes on one fresh schema. They share the issuer
// (the first node's URL, as a load balancer's would be) and the store;
// each runs its background work (Run), which follows the others.
func startCluster(t *testing.T, n int) (issuer string, nodes []*node) {
	t.Helper()
	dsn := pgtest.Schema(t)
	lns := make([]net.Listener, n)
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
	}
	issuer = "http://" + lns[0].Addr().String()
	for _, ln := range lns {
		st, err := postgres.Open(context.Background(), postgres.Options{DSN: dsn, EncryptionKey: testKey, Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		srv, err := server.New(context.Background(), server.Config{Issuer: issuer, Store: st,
			Logger: zerolog.Nop(), KeyAlgorithms: []string{"ES256"}})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewUnstartedServer(server.Middleware(zerolog.Nop(), srv.Handler()))
		hs.Listener.Close()
		hs.Listener = ln
		hs.Start()
		ctx, stop := context.WithCancel(context.Background())
		go srv.Run(ctx)
		nd := &node{srv: srv, url: "http://" + ln.Addr().String(), hs: hs, stop: stop}
		t.Cleanup(func() { stop(); srv.Feed.Close(); hs.CloseClientConnections(); hs.Close(); srv.OIDC.Close() })
		nodes = append(nodes, nd)
	}
	return issuer, nodes
}

// service registers a client_credentials client (on the first node) and
// returns its id and secret.
func service(t *testing.T, nd *node, audience string) (id, secret string) {
	t.Helper()
	c, secret, err := nd.srv.OAuth.CreateClient(context.Background(), oauth.ClientSpec{Name: "svc", Type: authcore.Confidential,
		GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}, Audience: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID, secret
}

// post sends a client-authenticated form to base+path and returns the
// status and the JSON answer.
func post(t *testing.T, base, path, id, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// token gets a client_credentials access token from node base.
func token(t *testing.T, base, id, secret string) string {
	t.Helper()
	code, out := post(t, base, "/token", id, secret, url.Values{"grant_type": {"client_credentials"}})
	tok, _ := out["access_token"].(string)
	if code != 200 || tok == "" {
		t.Fatalf("token from %s: %d %v", base, code, out)
	}
	return tok
}

// get calls base+path with the bearer token and returns the status.
func get(t *testing.T, base, path, tok string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// within polls cond every 10 ms until it holds, failing the test after
// d; it returns how long it took.
func within(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}
