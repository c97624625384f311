package flow

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/gateway"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// Starting from an API URL alone (RFC 9728): the flow tester reads the
// issuer, the resource and the scopes from the protected resource
// metadata the gateway's 401 names, obtains a token for that resource
// and calls the API; an API without such a challenge stops the run.
func TestLatchkeyFromAPIURL(t *testing.T) {
	lk := newLatchkey(t)
	ctx := context.Background()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer up.Close()
	api := lk.issuer + "/api/orders"
	if err := lk.srv.SetRoutes(ctx, []gateway.Route{{Name: "orders", Prefix: "/api/orders", Upstream: up.URL,
		Audience: api, Scopes: []string{"orders:read"}}}); err != nil {
		t.Fatal(err)
	}
	c, secret, err := lk.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Agent",
		GrantTypes: []string{authcore.GrantClientCredentials}, Scopes: []string{"orders:read"}, Audience: []string{api}})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{FromAPI: true, APIURL: api + "/7", ClientID: c.ID, ClientSecret: secret, Flow: FlowCallAPI,
		Timeout: 30 * time.Second}
	tr, err := Run(ctx, o)
	if err != nil {
		t.Fatalf("run: %v\n%+v", err, tr)
	}
	if tr.Issuer != lk.issuer || len(tr.Steps) < 4 || tr.Steps[0].Name != "Call the API without a token" ||
		tr.Steps[len(tr.Steps)-1].Name != "Call the API" {
		t.Fatalf("trace issuer %q, steps %d", tr.Issuer, len(tr.Steps))
	}
	o.APIURL = lk.issuer + "/jwks.json" // no challenge there
	if tr, err := Run(ctx, o); err == nil || tr.Issuer != "" {
		t.Fatalf("a URL without a challenge: %v %q", err, tr.Issuer)
	}
	if _, err := Run(ctx, Options{FromAPI: true, ClientID: c.ID, Flow: FlowCallAPI}); err == nil {
		t.Fatal("FromAPI without an API URL accepted")
	}
}
