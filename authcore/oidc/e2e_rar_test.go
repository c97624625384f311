package oidc_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore/gateway"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// RFC 9396 end to end: details pushed to /par, shown on the consent page
// in the administrator's words, granted into the code, the token
// response, the access token, introspection (access and refresh token)
// and the grant; narrowed at refresh (a wider request refused); and
// enforced by a gateway route that requires a type.
func TestRARPushedFlowEndToEnd(t *testing.T) {
	e := startRAR(t)
	ctx := context.Background()
	v, verifier := authParams(e.shop, payAndAcct)
	status, par := e.post(t, "/par", e.shop, v)
	if status != http.StatusCreated {
		t.Fatalf("par: %d %v", status, par)
	}
	start := e.issuer + "/authorize?" + url.Values{"client_id": {e.shop.cfg.ClientID},
		"request_uri": {par["request_uri"].(string)}}.Encode()
	consents, back := walk(t, e.env, testsupport.NewBrowser(t), start)
	if len(consents) != 1 || !strings.Contains(consents[0], "<li>Pay 12.50 EUR to Merchant A</li>") ||
		!strings.Contains(consents[0], "<li>Read accounts [&#34;DE89&#34;]</li>") {
		t.Fatalf("consent pages %d, want one naming both details:\n%s", len(consents), strings.Join(consents, "\n"))
	}
	tok := e.redeem(t, e.shop, back, verifier)
	both := []string{"payment_initiation", "account_information"}
	if got := detailTypesOf(tok["authorization_details"]); !slices.Equal(got, both) {
		t.Errorf("token response authorization_details %v, want %v", tok["authorization_details"], both)
	}
	at := tok["access_token"].(string)
	if _, claims := testsupport.DecodeJWT(t, at); !slices.Equal(detailTypesOf(claims["authorization_details"]), both) {
		t.Errorf("access token authorization_details %v", claims["authorization_details"])
	}
	for _, tk := range []string{at, tok["refresh_token"].(string)} {
		_, ir := e.post(t, "/introspect", e.shop, url.Values{"token": {tk}})
		if ir["active"] != true || !slices.Equal(detailTypesOf(ir["authorization_details"]), both) {
			t.Errorf("introspection: %v", ir)
		}
	}
	grants, err := e.srv.Store.ListGrants(ctx)
	if err != nil || len(grants) != 1 || !strings.Contains(grants[0].AuthorizationDetails, `"creditorName":"Merchant A"`) {
		t.Fatalf("grant inventory: %v %+v", err, grants)
	}

	// Refresh: a subset narrows the new access token; the grant keeps both.
	acct := `[{"type":"account_information","accounts":["DE89"]}]`
	status, narrow := e.post(t, "/token", e.shop, url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {tok["refresh_token"].(string)}, "authorization_details": {acct}})
	if status != http.StatusOK || !slices.Equal(detailTypesOf(narrow["authorization_details"]), []string{"account_information"}) {
		t.Fatalf("narrowing refresh: %d %v", status, narrow)
	}
	if _, claims := testsupport.DecodeJWT(t, narrow["access_token"].(string)); !slices.Equal(detailTypesOf(claims["authorization_details"]), []string{"account_information"}) {
		t.Errorf("narrowed access token authorization_details %v", claims["authorization_details"])
	}
	for name, wider := range map[string]string{
		"another amount": `[{"type":"payment_initiation","amount":"99.00","currency":"EUR","creditorName":"Merchant A"}]`,
		"another object": `[{"type":"account_information","accounts":["DE89","FR76"]}]`,
	} {
		status, out := e.post(t, "/token", e.shop, url.Values{"grant_type": {"refresh_token"},
			"refresh_token": {narrow["refresh_token"].(string)}, "authorization_details": {wider}})
		if status != http.StatusBadRequest || out["error"] != "invalid_authorization_details" {
			t.Errorf("widening refresh (%s): %d %v", name, status, out)
		}
	}
	status, full := e.post(t, "/token", e.shop, url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {narrow["refresh_token"].(string)}})
	if status != http.StatusOK || !slices.Equal(detailTypesOf(full["authorization_details"]), both) {
		t.Errorf("plain refresh after narrowing: %d %v, want the grant's details", status, full)
	}

	// A gateway route that requires payment_initiation.
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(up.Close)
	if err := e.srv.SetRoutes(ctx, []gateway.Route{{Name: "payments", Prefix: "/payments/", Upstream: up.URL,
		Audience: e.srv.OAuth.Metadata(ctx)["issuer"].(string), RequireAuthorizationDetailsType: "payment_initiation"}}); err != nil {
		t.Fatal(err)
	}
	pay := func(at string) (int, string, string) {
		req, _ := http.NewRequest("POST", e.issuer+"/payments/p1", nil)
		req.Header.Set("Authorization", "Bearer "+at)
		return call(t, req)
	}
	if status, challenge, body := pay(narrow["access_token"].(string)); status != http.StatusForbidden ||
		!strings.Contains(challenge, `error="insufficient_scope"`) || !strings.Contains(body, "authorization_details of type payment_initiation") {
		t.Errorf("token without payment_initiation: %d %q %s, want 403 insufficient_scope", status, challenge, body)
	}
	if status, _, _ := pay(at); status != http.StatusNoContent {
		t.Errorf("token with payment_initiation: %d", status)
	}
}

// Consent to details is per request: with the scopes consented to
// before, a new request with other details, and the same details again,
// each show the consent page; prompt=none with details is
// consent_required; a request without details goes straight through.
func TestRARConsentPerRequest(t *testing.T) {
	e := startRAR(t)
	b := testsupport.NewBrowser(t)
	first, verifier := authParams(e.shop, payOK)
	consents, back := walk(t, e.env, b, e.issuer+"/authorize?"+first.Encode())
	if len(consents) != 1 {
		t.Fatalf("first request: %d consent pages", len(consents))
	}
	e.redeem(t, e.shop, back, verifier)
	other := `[{"type":"payment_initiation","amount":"900.00","currency":"USD","creditorName":"Merchant B"}]`
	for name, details := range map[string]string{"other details": other, "same details": payOK} {
		v, _ := authParams(e.shop, details)
		consents, back := walk(t, e.env, b, e.issuer+"/authorize?"+v.Encode())
		if len(consents) != 1 || back.Query().Get("code") == "" {
			t.Errorf("%s: %d consent pages, response %s; want the page again", name, len(consents), back)
		}
		if name == "other details" && (len(consents) != 1 || !strings.Contains(consents[0], "Pay 900.00 USD to Merchant B")) {
			t.Errorf("%s: the page does not show the new details", name)
		}
	}
	v, _ := authParams(e.shop, other)
	v.Set("prompt", "none")
	resp, _ := b.Get(e.issuer + "/authorize?" + v.Encode())
	if loc, _ := resp.Location(); loc == nil || loc.Query().Get("error") != "consent_required" {
		t.Errorf("prompt=none with details: %d %v, want consent_required", resp.StatusCode, loc)
	}
	v, _ = authParams(e.shop, "")
	if consents, back := walk(t, e.env, b, e.issuer+"/authorize?"+v.Encode()); len(consents) != 0 || back.Query().Get("code") == "" {
		t.Errorf("no details: %d consent pages, response %s; want none", len(consents), back)
	}
}

// The consent page shows a detail's values, and the administrator's
// template, as text: markup in either is escaped, never run.
func TestAttackRARConsentEscapes(t *testing.T) {
	e := startRAR(t)
	evil := `[{"type":"payment_initiation","amount":"1.00","currency":"EUR","creditorName":"<script>alert(1)</script>"}]`
	v, _ := authParams(e.shop, evil)
	consents, _ := walk(t, e.env, testsupport.NewBrowser(t), e.issuer+"/authorize?"+v.Encode())
	if len(consents) != 1 {
		t.Fatalf("%d consent pages", len(consents))
	}
	page := consents[0]
	if strings.Contains(page, "<script>alert") || !strings.Contains(page, "Pay 1.00 EUR to &lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("detail value not escaped:\n%s", page)
	}
}
