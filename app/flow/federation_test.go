package flow

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// fedSetup is Latchkey (on 127.0.0.1) and an external OpenID provider (a
// second Latchkey on localhost) with alice and a public loopback client;
// trusted says whether Latchkey registers the provider. It returns the
// options of the federation flow with Latchkey's exchanging client.
func fedSetup(t *testing.T, trusted bool) (lk, up *latchkey, o Options, secret string) {
	t.Helper()
	ctx := context.Background()
	lk, up = newLatchkey(t), newLatchkeyAt(t, "localhost")
	if trusted {
		if _, err := lk.srv.Federation.AddProvider(ctx, authcore.IdentityProvider{ID: "upstream", Issuer: up.issuer,
			DisplayName: "Upstream", Audiences: []string{up.native.ID}, Scopes: []string{"orders:read", "profile"},
			Provisioning: authcore.ProvisionCreate, Enabled: true}); err != nil {
			t.Fatal(err)
		}
	}
	ex, secret, err := lk.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Exchanger", Type: authcore.Confidential,
		GrantTypes: []string{authcore.GrantTokenExchange}, Scopes: []string{"orders:read", "profile"},
		Audience: []string{lk.issuer}})
	if err != nil {
		t.Fatal(err)
	}
	o = Options{Flow: FlowFederation, ClientID: ex.ID, ClientSecret: secret, Scope: "profile orders:read",
		ExternalIssuer: up.issuer, ExternalClientID: up.native.ID, ExternalScope: "openid profile"}
	return lk, up, o, secret
}

// runFed runs the federation flow; the browser signs alice in at the
// external provider.
func runFed(t *testing.T, lk, up *latchkey, o Options) (*Trace, error) {
	t.Helper()
	o.Issuer = lk.issuer
	o.OpenBrowser = up.browse
	o.Timeout = 30 * time.Second
	tr, err := Run(context.Background(), o)
	if tr == nil {
		t.Fatalf("no trace: %v", err)
	}
	return tr, err
}

func TestLatchkeyFederation(t *testing.T) {
	lk, up, o, secret := fedSetup(t, true)
	tr, err := runFed(t, lk, up, o)
	if err != nil {
		t.Fatalf("%v\n%v\n%v", err, stepNames(tr), failedChecks(tr))
	}
	x := ExternalStepPrefix
	want := []string{"Discovery " + OIDCDiscoveryPath, "JWKS",
		x + "Discovery " + OIDCDiscoveryPath, x + "JWKS", x + "Authorization request (browser)",
		x + "Authorization response (loopback redirect)", x + "Token request (authorization_code)",
		"Token exchange of the external ID token (RFC 8693)", "Call the gateway route with the exchanged token"}
	if got := stepNames(tr); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("steps %q", got)
	}
	noRealProblems(t, tr)
	for _, rule := range []string{RulePKCE, RuleState, RuleIss, RuleNonce, RuleAtHash, RuleAzp, RuleSignature,
		RuleExternalAccepted, RuleExchangedAudience, RuleExchangedSubject, RuleAudience} {
		wantSeverity(t, tr, rule, SeverityPass)
	}
	if tr.ExternalIssuer != up.issuer || tr.ExternalClientID != up.native.ID ||
		tr.ExternalDiscoveryURL != up.issuer+OIDCDiscoveryPath || tr.DiscoveryURL != lk.issuer+OIDCDiscoveryPath {
		t.Fatalf("trace head %+v", tr)
	}
	// The external ID token was verified against the external JWKS and
	// carried the nonce sent; the exchange sent it on to Latchkey.
	authz, ext, exch, call := tr.Steps[4], tr.Steps[6], tr.Steps[7], tr.Steps[8]
	var extID, at *Token
	for i := range ext.Tokens {
		if ext.Tokens[i].Name == "external_id_token" {
			extID = &ext.Tokens[i]
		}
	}
	if extID == nil || !extID.Signature.Verified || extID.Claims["iss"] != up.issuer || extID.Claims["nonce"] == nil ||
		!strings.Contains(authz.Request.URL, "nonce="+extID.Claims["nonce"].(string)) {
		t.Fatalf("external ID token %+v", extID)
	}
	for _, p := range []string{"subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token",
		"nonce=" + extID.Claims["nonce"].(string), "resource=" + strings.ReplaceAll(strings.ReplaceAll(lk.issuer, ":", "%3A"), "/", "%2F")} {
		if !strings.Contains(exch.Request.Body, p) {
			t.Fatalf("exchange body lacks %s: %s", p, exch.Request.Body)
		}
	}
	if len(exch.Tokens) != 1 {
		t.Fatalf("exchange tokens %+v", exch.Tokens)
	}
	at = &exch.Tokens[0]
	// aud is the resource; sub is the local user linked to (iss, sub).
	link, err := lk.srv.Store.GetFederatedLink(context.Background(), up.issuer, extID.Claims["sub"].(string))
	if err != nil || !at.Signature.Verified || at.Claims["iss"] != lk.issuer || at.Claims["sub"] != link.UserID ||
		strings.Join(audience(at.Claims), " ") != lk.issuer {
		t.Fatalf("exchanged token %+v, link %+v %v", at.Claims, link, err)
	}
	if call.Response.Status != 200 || call.Request.URL != lk.issuer+DefaultAPIPath {
		t.Fatalf("gateway call %+v", call.Response)
	}
	// Masked in the exports: the client secret, the external tokens, the
	// exchanged token.
	raw := tr.RawTokens()
	if raw["external_id_token"] == "" || raw["access_token"] == "" {
		t.Fatalf("raw tokens %v", len(raw))
	}
	mustNotContain(t, tr, secret, raw["external_id_token"], raw["external_access_token"], raw["access_token"])
	if !strings.Contains(tr.Curl(), "# open in a browser:\n#   "+up.issuer+"/authorize?") {
		t.Fatalf("curl export:\n%s", tr.Curl())
	}
}

// An ID token of a provider Latchkey does not trust: the exchange step
// shows Latchkey's refusal, the checks explain it, and the gateway is
// not called.
func TestLatchkeyFederationUntrusted(t *testing.T) {
	lk, up, o, _ := fedSetup(t, false)
	tr, err := runFed(t, lk, up, o)
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Status != 400 || pe.Code != "invalid_request" ||
		pe.Description != "subject_token refused: untrusted_issuer" {
		t.Fatalf("err %v", err)
	}
	last := tr.Steps[len(tr.Steps)-1]
	if !strings.HasPrefix(last.Name, "Token exchange") || last.Response.Status != 400 {
		t.Fatalf("steps %v", stepNames(tr))
	}
	wantSeverity(t, tr, RuleExternalAccepted, SeverityError)
	var msg string
	for _, f := range tr.Findings {
		if f.Rule == RuleExternalAccepted {
			msg = f.Message
		}
	}
	if !strings.Contains(msg, "untrusted_issuer") || !strings.Contains(msg, "does not trust the issuer "+up.issuer) ||
		!strings.Contains(msg, "latchkey idp add") {
		t.Fatalf("finding %q", msg)
	}
	// The external half held: its checks pass.
	wantSeverity(t, tr, RuleNonce, SeverityPass)
	wantSeverity(t, tr, RuleState, SeverityPass)
}

// The federation flow needs its external provider, and an ID token.
func TestFederationOptions(t *testing.T) {
	if _, err := Run(context.Background(), Options{Issuer: "http://127.0.0.1:1", ClientID: "c", Flow: FlowFederation}); err == nil ||
		!strings.Contains(err.Error(), "external issuer") {
		t.Fatalf("err %v", err)
	}
	lk, up, o, _ := fedSetup(t, true)
	o.ExternalScope = "profile"
	tr, err := runFed(t, lk, up, o)
	if err == nil || !strings.Contains(err.Error(), "lacks openid") || len(tr.Steps) != 4 {
		t.Fatalf("err %v, %v", err, stepNames(tr))
	}
}
