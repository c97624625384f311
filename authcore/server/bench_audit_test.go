package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// BenchmarkClientCredentialsAudited is BenchmarkClientCredentials with
// what `latchkey serve` adds: an encrypted store and audit log on disk,
// so the token.issued event's cost is in the figure.
func BenchmarkClientCredentialsAudited(b *testing.B) {
	key := make([]byte, 32)
	st, err := badger.Open(badger.Options{Dir: b.TempDir(), EncryptionKey: key})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	alog, err := audit.Open(audit.Options{Dir: b.TempDir(), EncryptionKey: key})
	if err != nil {
		b.Fatal(err)
	}
	defer alog.Close()
	ctx := context.Background()
	srv, err := server.New(ctx, server.Config{Issuer: "http://127.0.0.1:1", Store: st, Audit: alog, Logger: zerolog.Nop(),
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
	b.StopTimer()
	if err := alog.Flush(ctx); err != nil {
		b.Fatal(err)
	}
}
