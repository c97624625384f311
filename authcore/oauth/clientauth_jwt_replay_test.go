package oauth

import (
	"context"
	"net/url"
	"sync"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TestClientAssertionEndToEnd gets a token with clientcredentials.Config
// and a real signed assertion for every accepted algorithm, then uses
// assertions at /introspect and /revoke.
func TestClientAssertionEndToEnd(t *testing.T) {
	e := newEnv(t)
	for _, alg := range AssertionAlgorithms() {
		t.Run(alg, func(t *testing.T) {
			c := e.jwtClient(alg)
			cfg := clientcredentials.Config{ClientID: c.ID, TokenURL: e.ts.URL + "/token",
				AuthStyle: oauth2.AuthStyleInParams, Scopes: []string{"orders:read"},
				EndpointParams: url.Values{"client_assertion_type": {AssertionTypeJWT},
					"client_assertion": {c.sign(t, e.claims(c), nil)}}}
			tok, err := cfg.Token(context.Background())
			if err != nil || tok.AccessToken == "" || tok.TokenType != "Bearer" {
				t.Fatalf("token: %v %+v", err, tok)
			}
			r := e.post("/introspect", withAssertion(url.Values{"token": {tok.AccessToken}}, c.sign(t, e.claims(c), nil)), nil)
			if r.status != 200 || r.body["active"] != true || r.str("client_id") != c.ID {
				t.Fatalf("introspect: %d %s", r.status, r.raw)
			}
			r = e.post("/revoke", withAssertion(url.Values{"token": {tok.AccessToken}}, c.sign(t, e.claims(c), nil)), nil)
			if r.status != 200 {
				t.Fatalf("revoke: %d %s", r.status, r.raw)
			}
			r = e.post("/introspect", withAssertion(url.Values{"token": {tok.AccessToken}}, c.sign(t, e.claims(c), nil)), nil)
			if r.status != 200 || r.body["active"] != false {
				t.Fatalf("introspect after revoke: %d %s", r.status, r.raw)
			}
		})
	}
}

// TestClientAssertionReplay is docs/security.md TOK-10: a jti is accepted
// once, across endpoints, per client.
func TestClientAssertionReplay(t *testing.T) {
	e := newEnv(t)
	c := e.jwtClient("ES256")
	a := c.sign(t, e.claims(c), nil)
	if r := e.post("/token", assertionForm(a), nil); r.status != 200 {
		t.Fatalf("first use: %d %s", r.status, r.raw)
	}
	r := e.post("/token", assertionForm(a), nil)
	if r.status != 401 || r.str("error") != "invalid_client" {
		t.Fatalf("replay: %d %s, want 401 invalid_client", r.status, r.raw)
	}
	cl := e.claims(c)
	cl["jti"] = "fixed-jti"
	a = c.sign(t, cl, nil)
	r = e.post("/introspect", withAssertion(url.Values{"token": {"x"}}, a), nil)
	if r.status != 200 {
		t.Fatalf("introspect: %d %s", r.status, r.raw)
	}
	r = e.post("/token", assertionForm(a), nil)
	if r.status != 401 || r.str("error") != "invalid_client" || r.header.Get("WWW-Authenticate") != "" {
		t.Fatalf("token after introspect: %d %s %v", r.status, r.raw, r.header)
	}
	r = e.post("/revoke", withAssertion(url.Values{"token": {"x"}}, c.sign(t, e.claims(c), nil)), nil)
	if r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	// Another client may use the same jti value: the cache is per client.
	d := e.jwtClient("ES256")
	dl := e.claims(d)
	dl["jti"] = "fixed-jti"
	if r := e.post("/token", assertionForm(d.sign(t, dl, nil)), nil); r.status != 200 {
		t.Fatalf("same jti, other client: %d %s", r.status, r.raw)
	}
}

// TestClientAssertionConcurrentReplay is docs/security.md RL-05: 20
// goroutines present one assertion, exactly one gets a token.
func TestClientAssertionConcurrentReplay(t *testing.T) {
	e := newEnv(t)
	c := e.jwtClient("ES256")
	for round := range 3 {
		a := c.sign(t, e.claims(c), nil)
		statuses := make([]int, 20)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := e.post("/token", assertionForm(a), nil)
				statuses[i] = r.status
				if r.status != 200 && (r.status != 401 || r.str("error") != "invalid_client") {
					t.Errorf("racer %d: %d %s", i, r.status, r.raw)
				}
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			if s == 200 {
				ok++
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d successes, want exactly 1 (%v)", round, ok, statuses)
		}
	}
}

// TestClientAssertionMixedMethods is docs/security.md TOK-09 (c) and the
// parameter rules of RFC 7521 §4.2: more than one method is
// invalid_request, an assertion type alone is invalid_request, a wrong
// type or a mismatched client_id is invalid_client, and a
// private_key_jwt client cannot fall back to a secret.
func TestClientAssertionMixedMethods(t *testing.T) {
	e := newEnv(t)
	c := e.jwtClient("ES256")
	a := func() string { return c.sign(t, e.claims(c), nil) }
	cases := []struct {
		name   string
		form   url.Values
		basic  *testClient
		status int
		code   string
	}{
		{"assertion and Basic", assertionForm(a()), &e.svc, 400, "invalid_request"},
		{"assertion and client_secret", func() url.Values {
			f := assertionForm(a())
			f.Set("client_secret", "s")
			return f
		}(), nil, 400, "invalid_request"},
		{"type without assertion", url.Values{"grant_type": {"client_credentials"},
			"client_assertion_type": {AssertionTypeJWT}}, nil, 400, "invalid_request"},
		{"assertion without type", url.Values{"grant_type": {"client_credentials"},
			"client_assertion": {a()}}, nil, 400, "invalid_request"},
		{"wrong assertion type", func() url.Values {
			f := assertionForm(a())
			f.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
			return f
		}(), nil, 401, "invalid_client"},
		{"client_id of another client", func() url.Values {
			f := assertionForm(a())
			f.Set("client_id", e.svc.ID)
			return f
		}(), nil, 401, "invalid_client"},
		{"matching client_id", func() url.Values {
			f := assertionForm(a())
			f.Set("client_id", c.ID)
			return f
		}(), nil, 200, ""},
		{"private_key_jwt client with client_id only", url.Values{"grant_type": {"client_credentials"},
			"client_id": {c.ID}}, nil, 400, "invalid_client"},
		{"private_key_jwt client with a secret", url.Values{"grant_type": {"client_credentials"},
			"client_id": {c.ID}, "client_secret": {"guess"}}, nil, 400, "invalid_client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.post("/token", tc.form, tc.basic)
			if r.status != tc.status || r.str("error") != tc.code {
				t.Fatalf("got %d %s, want %d %q", r.status, r.raw, tc.status, tc.code)
			}
		})
	}
}
