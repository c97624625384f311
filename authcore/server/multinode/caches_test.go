package multinode_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/gateway"
)

// TestSettingsReachEveryNode: a live-policy change (Settings screen) and
// a new gateway route saved at A are in force at C within a second.
func TestSettingsReachEveryNode(t *testing.T) {
	issuer, nodes := startCluster(t, 3)
	a, c := nodes[0], nodes[2]
	id, secret := service(t, a, issuer)
	ctx := context.Background()

	if _, _, err := a.srv.UpdatePolicy(ctx, map[string]string{"access_token_ttl": "7m"}, "admin"); err != nil {
		t.Fatal(err)
	}
	took := within(t, time.Second, "C's policy", func() bool { return c.srv.Policy().Policy.AccessTokenTTL == 7*time.Minute })
	t.Logf("policy change at A in force at C after %v", took)
	if _, out := post(t, c.url, "/token", id, secret, url.Values{"grant_type": {"client_credentials"}}); out["expires_in"] != float64(420) {
		t.Fatalf("C issues tokens for %v s, want 420", out["expires_in"])
	}

	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	defer up.Close()
	tok := token(t, c.url, id, secret)
	if got := get(t, c.url, "/orders/1", tok); got != 404 {
		t.Fatalf("C before the route exists: %d", got)
	}
	if err := a.srv.SetRoutes(ctx, []gateway.Route{{Name: "orders", Prefix: "/orders/", Upstream: up.URL, Audience: issuer}}); err != nil {
		t.Fatal(err)
	}
	took = within(t, time.Second, "C routes", func() bool { return get(t, c.url, "/orders/1", tok) == http.StatusTeapot })
	t.Logf("route added at A served by C after %v", took)
	if err := a.srv.SetRoutes(ctx, nil); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "C drops the route", func() bool { return get(t, c.url, "/orders/1", tok) == 404 })
}

// TestDeletedClientOnOtherNode: a client deleted at A gets no token at B
// within a second (B serves clients from its cache, which the change
// feed empties, in milliseconds here), and its client-credentials token
// (which belongs to no grant), which B's gateway had just accepted, is
// refused there within a second and goes out on B's feed. A token B
// issued in between is refused like that one: the deletion mark
// (ClientRevocationJTI) stands for every token of the client.
func TestDeletedClientOnOtherNode(t *testing.T) {
	issuer, nodes := startCluster(t, 2)
	a, b := nodes[0], nodes[1]
	id, secret := service(t, a, issuer)
	feed, cancel := follow(t, a, b)
	defer cancel()
	tok := token(t, b.url, id, secret)
	if got := get(t, b.url, "/demo/api/orders", tok); got != 200 {
		t.Fatalf("B before the delete: %d", got)
	}
	if err := a.srv.OAuth.DeleteClient(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	var late []string // tokens B issued before it heard of the delete
	took := within(t, time.Second, "B refuses the deleted client a token", func() bool {
		code, out := post(t, b.url, "/token", id, secret, url.Values{"grant_type": {"client_credentials"}})
		if at, ok := out["access_token"].(string); code == 200 && ok {
			late = append(late, at)
		}
		return code == 401 && out["error"] == "invalid_client"
	})
	t.Logf("B refused the deleted client a token after %v (%d issued before)", took, len(late))
	for _, at := range late {
		within(t, time.Second, "B refuses a token it issued after the delete", func() bool { return get(t, b.url, "/demo/api/orders", at) == 401 })
	}
	took = within(t, time.Second, "B refuses the deleted client's token", func() bool { return get(t, b.url, "/demo/api/orders", tok) == 401 })
	t.Logf("B refused the deleted client's token after %v", took)
	if _, ok := await(feed, authcore.ClientRevocationJTI(id), time.Second); !ok {
		t.Error("B's feed did not pass on the deleted client's revocation to standalone gateways")
	}
}
