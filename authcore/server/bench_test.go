package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// benchClient is a server with a client_credentials client, driven in
// process through the middleware (no network).
type benchClient struct {
	h          http.Handler
	id, secret string
}

// newBenchClient builds the server on st (and alog, when not nil) with
// the flood ceilings off.
func newBenchClient(b *testing.B, st authcore.Storage, alog audit.Recorder) benchClient {
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
	return benchClient{h: server.Middleware(zerolog.Nop(), srv.Handler()), id: c.ID, secret: secret}
}

// post sends a form with the client's Basic credentials.
func (bc benchClient) post(path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(bc.id, bc.secret)
	rec := httptest.NewRecorder()
	bc.h.ServeHTTP(rec, req)
	return rec
}

// issueLoop is the benchmark loop of client_credentials token requests.
func (bc benchClient) issueLoop(b *testing.B) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		if rec := bc.post("/token", "grant_type=client_credentials"); rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	reportCPU(b, cpu)
}

func memoryStore(b *testing.B) authcore.Storage {
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkClientCredentials measures the token endpoint's own cost per
// request (no network): parse, authenticate, sign an ES256 access token.
// `make bench` measures the same over real connections.
func BenchmarkClientCredentials(b *testing.B) {
	newBenchClient(b, memoryStore(b), nil).issueLoop(b)
}

// diskStoreAndAudit opens what `latchkey serve` runs on: an encrypted,
// synced store and audit log on disk, closed when b ends.
func diskStoreAndAudit(b *testing.B) (*badger.Store, *audit.Log) {
	key := make([]byte, 32)
	st, err := badger.Open(badger.Options{Dir: b.TempDir(), EncryptionKey: key})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	alog, err := audit.Open(audit.Options{Dir: b.TempDir(), EncryptionKey: key})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { alog.Close() })
	return st, alog
}

// BenchmarkClientCredentialsAudited is BenchmarkClientCredentials with
// what `latchkey serve` adds: an encrypted store and audit log on disk,
// so the token.issued event's cost is in the figure.
func BenchmarkClientCredentialsAudited(b *testing.B) {
	st, alog := diskStoreAndAudit(b)
	newBenchClient(b, st, alog).issueLoop(b)
	b.StopTimer()
	if err := alog.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIntrospect measures POST /introspect of a valid access token by
// the client it was issued to (no network): parse, authenticate the
// client, verify the token (or find it in the verified-token cache), check
// its revocation, answer.
func BenchmarkIntrospect(b *testing.B) {
	bc := newBenchClient(b, memoryStore(b), nil)
	bc.introspectLoop(b, bc.mint(b, 1), func() {})
}

// BenchmarkIntrospectAudited is what lkbench's introspection figure
// measures, in process: 256 distinct tokens of the caller's, an encrypted
// store and audit log on disk, so the token.introspected event's cost is
// in the figure.
func BenchmarkIntrospectAudited(b *testing.B) {
	st, alog := diskStoreAndAudit(b)
	bc := newBenchClient(b, st, alog)
	bc.introspectLoop(b, bc.mint(b, 256), func() {
		if err := alog.Flush(context.Background()); err != nil {
			b.Fatal(err)
		}
	})
}

// mint returns n access tokens of the client's, as introspection forms.
func (bc benchClient) mint(b *testing.B, n int) []string {
	forms := make([]string, n)
	for i := range forms {
		rec := bc.post("/token", "grant_type=client_credentials")
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		forms[i] = url.Values{"token": {tok.AccessToken}}.Encode()
	}
	return forms
}

// introspectLoop is the benchmark loop of introspections of forms, in
// turn. settle runs after the loop, inside the CPU figure (the audit
// log's flush).
func (bc benchClient) introspectLoop(b *testing.B, forms []string, settle func()) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	i := 0
	for b.Loop() {
		rec := bc.post("/introspect", forms[i%len(forms)])
		i++
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"active":true`) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	settle()
	reportCPU(b, cpu)
}

// processCPU is the CPU time the process has used, every thread (the
// request, the audit writer, Badger, the collector).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process CPU time per iteration since start as
// cpu-µs/op: on a shared machine it moves far less than ns/op, which
// counts the time other processes held the core. It is lkbench's
// "server CPU µs/op", in process.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU()-start)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}
