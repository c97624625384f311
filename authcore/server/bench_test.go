package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// BenchmarkClientCredentials measures the token endpoint's own cost per
// request (no network): parse, authenticate, sign an ES256 access token.
// `make bench` measures the same over real connections.
func BenchmarkClientCredentials(b *testing.B) {
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	srv, err := server.New(ctx, server.Config{Issuer: "http://127.0.0.1:1", Store: st, Logger: zerolog.Nop(),
		Policy: server.Policy{TokenRateClient: "off", TokenRateIP: "off"}})
	if err != nil {
		b.Fatal(err)
	}
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "svc", Type: authcore.Confidential,
		GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}})
	if err != nil {
		b.Fatal(err)
	}
	h := server.Middleware(zerolog.Nop(), srv.Handler())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/token", strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ID, secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkIntrospect measures POST /introspect of a valid access token by
// the client it was issued to (no network): parse, authenticate the
// client, verify the token (or find it in the verified-token cache), check
// its revocation, answer.
func BenchmarkIntrospect(b *testing.B) {
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	srv, err := server.New(ctx, server.Config{Issuer: "http://127.0.0.1:1", Store: st, Logger: zerolog.Nop(),
		Policy: server.Policy{TokenRateClient: "off", TokenRateIP: "off"}})
	if err != nil {
		b.Fatal(err)
	}
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "svc", Type: authcore.Confidential,
		GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}})
	if err != nil {
		b.Fatal(err)
	}
	h := server.Middleware(zerolog.Nop(), srv.Handler())
	post := func(path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ID, secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := post("/token", "grant_type=client_credentials")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		b.Fatalf("%d %s", rec.Code, rec.Body)
	}
	form := url.Values{"token": {tok.AccessToken}}.Encode()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := post("/introspect", form)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"active":true`) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
