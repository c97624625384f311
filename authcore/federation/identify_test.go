package federation

import (
	"crypto/elliptic"
	"errors"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey/latchkey/authcore"
)

// TestIdentifyValidation is OIDC Core §3.1.3.7 and RFC 8725 against a
// real provider's keys: each row changes one thing of a valid token and
// expects the refusal reason ("" = accepted). The clock is the Service's
// injected one, so expiry and leeway are exact.
func TestIdentifyValidation(t *testing.T) {
	e := newFedEnv(t, func(p *authcore.IdentityProvider) { p.Audiences = []string{audience, "other-app"} })
	now := e.clk.Now().Unix()
	leeway := int64(DefaultLeeway.Seconds())
	stranger := newECKey(t, elliptic.P256())
	cases := []struct {
		name   string
		claims func(c map[string]any)
		opts   jwsOpts
		nonce  string
		reason string
	}{
		{name: "valid", reason: ""},
		{name: "aud array with the accepted one and azp", claims: func(c map[string]any) {
			c["aud"], c["azp"] = []any{audience, "someone-else"}, audience
		}},
		{name: "second accepted audience", claims: func(c map[string]any) { c["aud"] = "other-app" }},
		{name: "exp within the leeway", claims: func(c map[string]any) { c["exp"] = now - leeway + 1 }},
		{name: "iat within the leeway", claims: func(c map[string]any) { c["iat"] = now + leeway }},
		{name: "nonce as expected", claims: func(c map[string]any) { c["nonce"] = "n-1" }, nonce: "n-1"},
		{name: "typ absent", opts: jwsOpts{typ: "-"}},

		{name: "unknown issuer", claims: func(c map[string]any) { c["iss"] = "https://evil.example" }, reason: ReasonUntrustedIssuer},
		{name: "issuer with a trailing slash", claims: func(c map[string]any) { c["iss"] = e.idp.srv.URL + "/" }, reason: ReasonUntrustedIssuer},
		{name: "no iss", claims: func(c map[string]any) { delete(c, "iss") }, reason: ReasonUntrustedIssuer},
		{name: "wrong aud", claims: func(c map[string]any) { c["aud"] = "not-us" }, reason: ReasonAudience},
		{name: "no aud", claims: func(c map[string]any) { delete(c, "aud") }, reason: ReasonAudience},
		{name: "aud array without azp", claims: func(c map[string]any) { c["aud"] = []any{audience, "someone-else"} }, reason: ReasonAudience},
		{name: "azp not accepted", claims: func(c map[string]any) { c["azp"] = "someone-else" }, reason: ReasonAudience},
		{name: "expired past the leeway", claims: func(c map[string]any) { c["exp"] = now - leeway }, reason: ReasonExpired},
		{name: "no exp", claims: func(c map[string]any) { delete(c, "exp") }, reason: ReasonExpired},
		{name: "exp a string", claims: func(c map[string]any) { c["exp"] = "4102444800" }, reason: ReasonExpired},
		{name: "iat in the future", claims: func(c map[string]any) { c["iat"] = now + leeway + 1 }, reason: ReasonIssuedInFuture},
		{name: "no iat", claims: func(c map[string]any) { delete(c, "iat") }, reason: ReasonIssuedInFuture},
		{name: "nbf in the future", claims: func(c map[string]any) { c["nbf"] = now + leeway + 1 }, reason: ReasonIssuedInFuture},
		{name: "nonce missing", nonce: "n-1", reason: ReasonNonce},
		{name: "nonce different", claims: func(c map[string]any) { c["nonce"] = "n-2" }, nonce: "n-1", reason: ReasonNonce},
		{name: "no sub", claims: func(c map[string]any) { delete(c, "sub") }, reason: ReasonClaims},
		{name: "sub not a string", claims: func(c map[string]any) { c["sub"] = 42 }, reason: ReasonClaims},
		{name: "sub too long", claims: func(c map[string]any) { c["sub"] = strings.Repeat("s", 256) }, reason: ReasonClaims},
		{name: "an access token's typ", opts: jwsOpts{typ: "at+jwt"}, reason: ReasonClaims},
		{name: "HS256", opts: jwsOpts{alg: jose.HS256, key: []byte(strings.Repeat("k", 32))}, reason: ReasonAlgorithm},
		{name: "alg outside the provider's list", opts: jwsOpts{alg: jose.ES384, key: newECKey(t, elliptic.P384())}, reason: ReasonAlgorithm},
		{name: "unknown kid", opts: jwsOpts{kid: "k2"}, reason: ReasonUnknownKey},
		{name: "another key under the provider's kid", opts: jwsOpts{key: stranger}, reason: ReasonSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			claims := e.claims()
			if c.claims != nil {
				c.claims(claims)
			}
			tok := e.idp.sign(t, claims, c.opts)
			id, err := e.s.Identify(t.Context(), tok, c.nonce)
			if got := ReasonOf(err); got != c.reason || (c.reason == "" && err != nil) {
				t.Fatalf("reason %q (%v), want %q", got, err, c.reason)
			}
			var ee *authcore.ExternalTokenError
			if c.reason != "" && (!errors.As(err, &ee) || ee.Temporary) {
				t.Fatalf("a bad token must be a permanent refusal: %#v", err)
			}
			if c.reason == "" && (id.Issuer != e.idp.srv.URL || id.Subject != "u-1" || id.ProviderID != "corp" || id.UserID == "") {
				t.Fatalf("identity %+v", id)
			}
		})
	}
}

// TestIdentifyReplay: a token is accepted once, by its jti or, without
// one, by its hash; the record lasts past the token's exp by the leeway.
func TestIdentifyReplay(t *testing.T) {
	e := newFedEnv(t, nil)
	withJTI := e.claims()
	noJTI := e.claims()
	delete(noJTI, "jti")
	for name, claims := range map[string]map[string]any{"jti": withJTI, "hash": noJTI} {
		tok := e.idp.sign(t, claims, jwsOpts{})
		if _, err := e.s.Identify(t.Context(), tok, ""); err != nil {
			t.Fatalf("%s: first use: %v", name, err)
		}
		if _, err := e.s.Identify(t.Context(), tok, ""); ReasonOf(err) != ReasonReplayed {
			t.Fatalf("%s: second use: %v", name, err)
		}
	}
}

// TestIdentifyDisabledProvider: a provider's tokens stop working the
// moment it is disabled, and work again when it is enabled.
func TestIdentifyDisabledProvider(t *testing.T) {
	e := newFedEnv(t, nil)
	set := func(enabled bool) {
		if _, err := e.s.UpdateProvider(t.Context(), "corp", func(p authcore.IdentityProvider) (authcore.IdentityProvider, error) {
			p.Enabled = enabled
			return p, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	set(false)
	if _, err := e.s.Identify(t.Context(), e.idp.sign(t, e.claims(), jwsOpts{}), ""); ReasonOf(err) != ReasonDisabled {
		t.Fatalf("disabled provider: %v", err)
	}
	set(true)
	if _, err := e.s.Identify(t.Context(), e.idp.sign(t, e.claims(), jwsOpts{}), ""); err != nil {
		t.Fatalf("enabled again: %v", err)
	}
}
