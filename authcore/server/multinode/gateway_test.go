package multinode_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore/gateway"
)

// TestStandaloneGatewayMovesToAnotherNode: a standalone gateway whose
// file lists the feeds of A and B follows A. A revocation made at B
// reaches it through A within a second. Then A dies and a token is
// revoked at B at once: the gateway moves to B, catches up, and refuses
// the token within two seconds.
func TestStandaloneGatewayMovesToAnotherNode(t *testing.T) {
	issuer, nodes := startCluster(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	id, secret := service(t, a, issuer)
	_, unsubscribe := follow(t, b, a) // A follows B's changes before the gateway connects
	unsubscribe()
	cred, err := a.srv.NewFeedToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer up.Close()
	fc := gateway.FileConfig{Issuer: issuer, Listen: "127.0.0.1:0", Audience: issuer, JWKSURI: b.url + "/jwks.json",
		Routes: []gateway.Route{{Name: "api", Prefix: "/api/", Upstream: up.URL}},
		Feed:   &gateway.FeedFile{URLs: []string{a.url + "/revocations/feed", b.url + "/revocations/feed"}, Credential: cred}}
	g, stop, err := gateway.Standalone(ctx, fc, nil, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	gw := httptest.NewServer(g)
	defer gw.Close()

	revokeAtB := func(tok string) {
		t.Helper()
		if code, _ := post(t, b.url, "/revoke", id, secret, url.Values{"token": {tok}}); code != 200 {
			t.Fatalf("revoke at B: %d", code)
		}
	}
	first, second := token(t, b.url, id, secret), token(t, b.url, id, secret)
	within(t, 5*time.Second, "gateway in sync", func() bool { return get(t, gw.URL, "/api/x", first) == 200 })
	revokeAtB(first)
	took := within(t, time.Second, "gateway refuses the token revoked at B", func() bool { return get(t, gw.URL, "/api/x", first) == 401 })
	t.Logf("revocation at B reached the gateway following A after %v", took)

	if got := get(t, gw.URL, "/api/x", second); got != 200 {
		t.Fatalf("second token before A dies: %d", got)
	}
	a.kill()
	revokeAtB(second)
	took = within(t, 2*time.Second, "gateway refuses after moving to B", func() bool { return get(t, gw.URL, "/api/x", second) == 401 })
	t.Logf("A killed, revocation at B: refused by the gateway after %v", took)
	if got := get(t, gw.URL, "/api/x", token(t, b.url, id, secret)); got != 200 {
		t.Fatalf("a live token after the move: %d (the gateway is not in sync with B)", got)
	}
}
