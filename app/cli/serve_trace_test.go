package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	collector "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	otlpcommon "go.opentelemetry.io/proto/otlp/common/v1"
	"golang.org/x/oauth2"
	"google.golang.org/protobuf/proto"

	"github.com/latchkey/latchkey/authcore/gateway"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// otlpReceiver is an in-process OTLP/HTTP collector: it decodes every
// export request's protobuf and keeps the spans' names and attribute
// values.
type otlpReceiver struct {
	mu    sync.Mutex
	names map[string]int
	attrs []string // "key=value" of every span and resource attribute
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req collector.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	add := func(kvs []*otlpcommon.KeyValue) {
		for _, kv := range kvs {
			o.attrs = append(o.attrs, kv.Key+"="+kv.Value.String())
		}
	}
	for _, rs := range req.ResourceSpans {
		add(rs.Resource.GetAttributes())
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				o.names[s.Name]++
				add(s.Attributes)
				for _, ev := range s.Events {
					add(ev.Attributes)
				}
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(nil)
}

// TestTracesOfCodeFlowAndGateway runs serve with --otel-endpoint at an
// in-process OTLP/HTTP receiver, then one authorization code flow (sign-in
// with a password, code exchange with an ID token) and one call through
// the embedded gateway to an upstream. The receiver gets a span per
// request with child spans for the store, the password hash, signing, the
// audit write and the upstream call; the upstream got the W3C trace
// context; and no attribute holds the password, the client secret, the
// code or a token.
func TestTracesOfCodeFlowAndGateway(t *testing.T) {
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat("ab", 32))
	recv := &otlpReceiver{names: map[string]int{}}
	collectorSrv := httptest.NewServer(recv)
	defer collectorSrv.Close()
	var traceparent string
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traceparent = r.Header.Get("Traceparent")
		_, _ = w.Write([]byte(`{"orders":[]}`))
	}))
	defer upstream.Close()

	f := serveFlags{addr: "127.0.0.1:0", otelEndpoint: collectorSrv.URL}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	stopServer := sync.OnceValue(in.stop)
	defer stopServer()
	ctx := context.Background()
	web, secret := webClient(t, in)
	must(t, in.srv.SetRoutes(ctx, []gateway.Route{{Name: "orders", Prefix: "/orders/", Upstream: upstream.URL, Scopes: []string{"orders:read"}}}))

	cfg := oauth2.Config{ClientID: web.ID, ClientSecret: secret, RedirectURL: "http://127.0.0.1:9/callback",
		Scopes:   []string{"openid", "orders:read", "offline_access"},
		Endpoint: oauth2.Endpoint{AuthURL: in.issuer + "/authorize", TokenURL: in.issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	back := testsupport.NewBrowser(t).SignIn(in.issuer, cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "alice", "wonderland-42-x").Redirect
	code := back.Query().Get("code")
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	req, _ := http.NewRequest("GET", in.issuer+"/orders/1?x=1", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("gateway call: %v %v", resp, err)
	}
	resp.Body.Close()
	if len(traceparent) != 55 || !strings.HasPrefix(traceparent, "00-") {
		t.Errorf("the upstream got traceparent %q, want a W3C trace context", traceparent)
	}
	must(t, stopServer()) // flushes the batch

	recv.mu.Lock()
	defer recv.mu.Unlock()
	for _, want := range []string{"GET /authorize", "POST /token", "GET /orders/1", "store.view", "store.update", "sign.access_token",
		"password.verify", "sign.id_token", "audit.write", "gateway.upstream"} {
		if recv.names[want] == 0 {
			t.Errorf("no %q span; got %v", want, recv.names)
		}
	}
	all := strings.Join(recv.attrs, "\n")
	for name, secret := range map[string]string{"password": "wonderland-42-x", "client secret": secret, "code": code,
		"access token": tok.AccessToken, "refresh token": tok.RefreshToken, "ID token": idToken, "verifier": verifier} {
		if secret != "" && strings.Contains(all, secret) {
			t.Errorf("a span attribute holds the %s", name)
		}
	}
	if !strings.Contains(all, "url.path=") {
		t.Errorf("no url.path attribute at all: %s", all)
	}
}
