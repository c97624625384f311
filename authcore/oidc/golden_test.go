package oidc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedKey is a constant P-256 key, so the golden tests need no entropy.
func fixedKey() *ecdsa.PrivateKey {
	raw := make([]byte, 32)
	raw[29], raw[30], raw[31] = 0x01, 0xa7, 0xc4 // the scalar 0x1a7c4
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
	if err != nil {
		panic(err)
	}
	return k
}

// fakeSigner signs ES256 with fixedKey under kid "k1".
type fakeSigner struct{ now func() time.Time }

func (f fakeSigner) Sign(alg, typ string, claims jwt.Claims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["kid"], t.Header["typ"] = "k1", typ
	return t.SignedString(fixedKey())
}

func (f fakeSigner) Verify(token, typ string, claims jwt.Claims) (string, error) {
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return &fixedKey().PublicKey, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithTimeFunc(f.now), jwt.WithExpirationRequired())
	return "k1", err
}

// nopSessions is a Sessions that never has a session.
type nopSessions struct{}

func (nopSessions) Session(*http.Request) (authcore.Session, bool) { return authcore.Session{}, false }
func (nopSessions) Logout(http.ResponseWriter, *http.Request) (authcore.Session, bool, error) {
	return authcore.Session{}, false, nil
}
func (nopSessions) LogoutPrompt(http.ResponseWriter, *http.Request, string, url.Values, string, string) {
}
func (nopSessions) VerifyForm(http.ResponseWriter, *http.Request) (url.Values, bool) {
	return nil, false
}
func (nopSessions) Message(http.ResponseWriter, int, string, string) {}
func (nopSessions) SignedOut(http.ResponseWriter, string, string)    {}
func (nopSessions) EndSession(context.Context, string) error         { return nil }

// nopUI is an oauth.Interaction that is never reached here.
type nopUI struct{ nopSessions }

func (nopUI) RedirectToLogin(http.ResponseWriter, *http.Request, string)   {}
func (nopUI) RedirectToConsent(http.ResponseWriter, *http.Request, string) {}
func (nopUI) RedirectToStepUp(http.ResponseWriter, *http.Request, string)  {}

var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newTestProvider is a Provider on an in-memory store with a fixed clock
// and key, extending a real oauth.Server's metadata.
func newTestProvider(t *testing.T) (*Provider, authcore.Storage) {
	t.Helper()
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := func() time.Time { return fixedNow }
	as, err := oauth.New(context.Background(), oauth.Config{Issuer: "https://as.example", Store: st,
		Signer: fakeSigner{now}, Interaction: nopUI{}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := as.EnsureDefaultScopes(context.Background()); err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Issuer: "https://as.example", Store: st, Signer: fakeSigner{now}, Sessions: nopSessions{},
		Metadata: as.Metadata, Algorithms: func() []string { return []string{"ES256", "EdDSA"} }, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return p, st
}

// golden compares v, as indented JSON, with testdata/name (go test
// -update rewrites it).
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, _ := json.MarshalIndent(v, "", "  ")
	testsupport.Golden(t, "testdata/"+name, string(got)+"\n", *update)
}

// The discovery document (OIDC Discovery 1.0 §3), byte for byte.
func TestDiscoveryGolden(t *testing.T) {
	p, _ := newTestProvider(t)
	golden(t, "discovery.golden", p.Discovery(context.Background()))
}

// An ID token's claim set, with a fixed clock, user and access token;
// and the signed token verifies under the fixed key with typ JWT.
func TestIDTokenClaimsGolden(t *testing.T) {
	p, st := newTestProvider(t)
	ctx := context.Background()
	u := authcore.User{ID: "7f0c1b5e-8d2a-4c1e-9a41-3b2f6c0d9e17", Username: "alice", Email: "alice@example.com",
		DisplayName: "Alice Liddell", CreatedAt: fixedNow, UpdatedAt: fixedNow}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	c := authcore.Client{ID: "shop"}
	if err := st.CreateClient(ctx, c); err != nil { // a hint names a client that exists
		t.Fatal(err)
	}
	claims, _, err := p.ParseClaims(`{"id_token":{"email":{"essential":true},"name":null},"other":1}`)
	if err != nil {
		t.Fatal(err)
	}
	ac := authcore.AuthCode{UserID: u.ID, Scopes: []string{"openid", "email"}, Nonce: "n-0S6_WzA2Mj",
		AuthTime: fixedNow.Add(-5 * time.Minute), SessionID: authcore.Session{ID: "abc"}.SID(),
		ACR: ACRPassword, Claims: claims, GrantID: "grant-1"}
	m, err := p.idTokenClaims(ctx, c, ac, "access-token-value", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "id_token_claims.golden", m)
	tok, exp, err := p.IDToken(ctx, c, ac, "access-token-value", fixedNow)
	if err != nil || !exp.Equal(fixedNow.Add(DefaultIDTokenTTL)) {
		t.Fatal(exp, err)
	}
	sub, err := p.HintSubject(tok)
	if err != nil || sub != u.ID {
		t.Fatalf("HintSubject: %q %v", sub, err)
	}
}
