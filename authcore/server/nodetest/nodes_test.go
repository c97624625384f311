package nodetest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/keys"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/postgres"
	"github.com/latchkey/latchkey/authcore/testsupport"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// issuer is the cluster's one issuer: every node serves it.
const issuer = "https://as.example"

var encKey = []byte("nodetest data-encryption key!!!!")

// node is one server on the shared database, with its own pool.
type node struct {
	srv *server.Server
	url string
}

// startNode builds node id on the database at dsn; now is its clock
// (nil: time.Now). It is closed when the test ends.
func startNode(t *testing.T, dsn, id string, now func() time.Time, edit ...func(*server.Config)) node {
	t.Helper()
	st, err := postgres.Open(context.Background(), postgres.Options{DSN: dsn, EncryptionKey: encKey, Migrate: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := server.Config{Issuer: issuer, Store: st, Logger: zerolog.Nop(), Now: now, KeyAlgorithms: []string{keys.ES256},
		NodeID: id, NodeVersion: "test-" + id}
	for _, f := range edit {
		f(&cfg)
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(server.Middleware(zerolog.Nop(), srv.Handler()))
	t.Cleanup(hs.Close)
	t.Cleanup(srv.OIDC.Close)
	return node{srv: srv, url: hs.URL}
}

// run runs n's background work until the test ends or stop is called.
func (n node) run(t *testing.T) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.srv.Run(ctx); close(done) }()
	stop = sync.OnceFunc(func() { cancel(); <-done })
	t.Cleanup(stop)
	return stop
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// eventually polls cond every 20 ms until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// Two nodes rotating at the same moment yield one next key, and within
// 5 s both sign with the promoted key and serve the same JWKS and ETag.
func TestNodesRotateAtOnceOneRotation(t *testing.T) {
	dsn := pgtest.Schema(t)
	clk := testsupport.NewClock(time.Now())
	a, b := startNode(t, dsn, "a", clk.Now), startNode(t, dsn, "b", clk.Now)
	a.run(t)
	b.run(t)
	clk.Advance(2 * keys.DefaultJWKSMaxAge) // the next key may sign: Rotate promotes it
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, n := range []node{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.srv.Keys.Rotate(ctx, keys.ES256, "admin-"+n.srv.Node().ID); err != nil {
				t.Errorf("Rotate at %s: %v", n.srv.Node().ID, err)
			}
		}()
	}
	wg.Wait()
	stored, err := a.srv.Store.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	count := map[authcore.KeyState][]string{}
	for _, k := range stored {
		count[k.State] = append(count[k.State], k.ID)
	}
	if len(count[authcore.KeyActive]) != 1 || len(count[authcore.KeyNext]) != 1 || len(count[authcore.KeyRetired]) != 1 {
		t.Fatalf("keys by state after two simultaneous rotations: %v; want one active, one next, one retired", count)
	}
	active := count[authcore.KeyActive][0]
	took := eventually(t, 5*time.Second, "both nodes sign with the promoted key", func() bool {
		for _, n := range []node{a, b} {
			tok, err := n.srv.Keys.Sign(keys.ES256, "at+jwt", claims(clk.Now()))
			if err != nil {
				t.Fatal(err)
			}
			if kid, _ := n.srv.Keys.Verify(tok, "at+jwt", &jwt.RegisteredClaims{}); kid != active {
				return false
			}
		}
		return true
	})
	_, ja, ha := get(t, a.url+"/jwks.json")
	_, jb, hb := get(t, b.url+"/jwks.json")
	if ja != jb || ha.Get("ETag") == "" || ha.Get("ETag") != hb.Get("ETag") {
		t.Errorf("JWKS differ between nodes:\n%s %s\n%s %s", ja, ha.Get("ETag"), jb, hb.Get("ETag"))
	}
	t.Logf("both nodes signed with the promoted key after %s", took)
}

func claims(now time.Time) *jwt.RegisteredClaims {
	return &jwt.RegisteredClaims{Issuer: issuer, Subject: "alice", IssuedAt: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute)), ID: "jti"}
}

// A key revoked at one node stops verifying at the other within 1 s.
func TestNodesRevokedKeyRefusedEverywhereWithinASecond(t *testing.T) {
	dsn := pgtest.Schema(t)
	a, b := startNode(t, dsn, "a", nil), startNode(t, dsn, "b", nil)
	a.run(t)
	b.run(t)
	tok, err := a.srv.Keys.Sign("", "at+jwt", claims(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	kid, err := b.srv.Keys.Verify(tok, "at+jwt", &jwt.RegisteredClaims{})
	if err != nil {
		t.Fatalf("node b refuses node a's token before any revocation: %v", err)
	}
	if err := a.srv.Keys.Revoke(context.Background(), kid, "admin", "leaked"); err != nil {
		t.Fatal(err)
	}
	took := eventually(t, time.Second, "node b refuses the revoked key", func() bool {
		_, err := b.srv.Keys.Verify(tok, "at+jwt", &jwt.RegisteredClaims{})
		return errors.Is(err, keys.ErrUnknownKey)
	})
	t.Logf("refused at the other node %s after the revocation", took)
}
