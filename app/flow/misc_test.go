package flow

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestDiscoveryFallbackAndMismatch(t *testing.T) {
	f := newFake(t, func(f *fake) { f.oauthOnly = true })
	tr, err := runFake(t, f, Options{Flow: FlowClientCredentials, ClientSecret: fakeSecret})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Steps[0].Response.Status != 404 || tr.DiscoveryURL != f.ts.URL+OAuthMetadataPath {
		t.Fatalf("discovery %v %s", stepNames(tr), tr.DiscoveryURL)
	}
	f = newFake(t, func(f *fake) { f.wrongIssuer = true })
	tr, err = runFake(t, f, Options{Flow: FlowClientCredentials, ClientSecret: fakeSecret})
	if err == nil || !strings.Contains(err.Error(), "elsewhere.example") {
		t.Fatalf("err %v", err)
	}
	wantSeverity(t, tr, RuleMetadataIssuer, SeverityError)
	if _, err := Run(context.Background(), Options{Issuer: "http://127.0.0.1:1", ClientID: "c", Flow: FlowRevoke}); err == nil {
		t.Fatal("unreachable issuer: no error")
	}
}

func TestOptionsValidation(t *testing.T) {
	for _, o := range []Options{
		{ClientID: "c", Flow: FlowRevoke},
		{Issuer: "https://as.example", Flow: FlowRevoke},
		{Issuer: "https://as.example", ClientID: "c", Flow: "implicit"},
		{Issuer: "https://as.example", ClientID: "c", Flow: FlowRevoke, AuthMethod: "private_key_jwt"},
	} {
		if tr, err := Run(context.Background(), o); err == nil || tr != nil || !strings.HasPrefix(err.Error(), "flow: ") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

func TestMask(t *testing.T) {
	if got := Mask("eyJhbGciOiJFUzI1NiJ9.payload.signature"); got != "eyJhbGci…(38)" {
		t.Fatal(got)
	}
	if got := Mask("abc"); got != "…(3)" {
		t.Fatal(got)
	}
	m := newMasker(false)
	m.add("s e/cret+1")
	h := m.header(http.Header{"Authorization": {"Bearer tok-123456"}, "X-Echo": {"s e/cret+1"},
		"Set-Cookie": {"sid=abcdef"}})
	if h.Get("Authorization") != "Bearer to…(10)" || h.Get("X-Echo") != "s …(10)" || h.Get("Set-Cookie") != "si…(10)" {
		t.Fatalf("header %v", h)
	}
	if got := m.text("client_secret=s+e%2Fcret%2B1&x=1"); got != "client_secret=s …(10)&x=1" {
		t.Fatal(got)
	}
	if got := newMasker(true).header(http.Header{"Authorization": {"Basic abc"}}); got.Get("Authorization") != "Basic abc" {
		t.Fatal(got)
	}
}

func TestLoopbackRedirectURI(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	for _, c := range []struct{ in, prefix string }{
		{"http://127.0.0.1/cb", "http://127.0.0.1:"},
		{"http://127.0.0.1:" + strconv.Itoa(port) + "/native", "http://127.0.0.1:" + strconv.Itoa(port) + "/native"},
	} {
		lb, err := listenLoopback(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(lb.uri, c.prefix) {
			t.Errorf("%s -> %s", c.in, lb.uri)
		}
		resp, err := http.Get(lb.uri + "?code=x&state=y")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("callback: %v %v", err, resp)
		}
		resp.Body.Close()
		resp, _ = http.Get(lb.uri + "?code=again")
		if resp.StatusCode != http.StatusGone {
			t.Errorf("second callback: %d", resp.StatusCode)
		}
		resp.Body.Close()
		got, _ := lb.wait(context.Background())
		if got.URL.Query().Get("code") != "x" {
			t.Errorf("got %v", got.URL)
		}
		lb.close()
	}
	for _, bad := range []string{"https://app.example/cb", "http://192.0.2.1/cb", "http://127.0.0.1/cb#frag", "com.example.app:/cb"} {
		if _, err := listenLoopback(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestSavedFlows(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "flows")
	if got, err := LoadAll(dir); err != nil || len(got) != 0 {
		t.Fatalf("empty dir: %v %v", got, err)
	}
	o := Options{Issuer: "https://as.example", ClientID: "c1", ClientSecret: "top-secret", Flow: FlowRefresh, Scope: "openid",
		AuthorizationDetails: `[{"type":"payment_initiation"}]`}
	if err := Save(dir, SavedFrom("Nightly refresh", o, false)); err != nil {
		t.Fatal(err)
	}
	if err := Save(dir, SavedFrom("ci cc", o, true)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "nightly-refresh.json"))
	if strings.Contains(string(b), "top-secret") {
		t.Fatal("secret saved without KeepSecret")
	}
	if fi, _ := os.Stat(filepath.Join(dir, "ci-cc.json")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	all, err := LoadAll(dir)
	if err != nil || len(all) != 2 || all[0].Name != "Nightly refresh" && all[0].Name != "ci cc" {
		t.Fatalf("%v %v", all, err)
	}
	for _, sf := range all {
		got := sf.Options()
		if got.Issuer != o.Issuer || got.Flow != FlowRefresh || got.AuthorizationDetails != o.AuthorizationDetails || (sf.Name == "ci cc") != (got.ClientSecret == "top-secret") {
			t.Fatalf("%+v", got)
		}
	}
	if err := Save(dir, SavedFlow{Name: "../../etc"}); err != nil {
		t.Fatal(err) // the name is sanitised, not rejected
	}
	if _, err := os.Stat(filepath.Join(dir, "etc.json")); err != nil {
		t.Fatal(err)
	}
	if err := Save(dir, SavedFlow{Name: "///"}); err == nil {
		t.Fatal("empty name accepted")
	}
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte("{"), 0o600)
	if _, err := LoadAll(dir); err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Fatalf("err %v", err)
	}
}

func TestCurlQuoting(t *testing.T) {
	got := curlCommand(&Request{Method: "POST", URL: "https://as.example/token",
		Header: http.Header{"Content-Length": {"3"}, "X-A": {"it's"}}, Body: "a=b"})
	want := "curl -sS -i -X POST 'https://as.example/token' \\\n  -H 'X-A: it'\\''s' \\\n  --data-raw 'a=b'\n"
	if got != want {
		t.Fatalf("%q", got)
	}
}

func TestLegacyGrantsAdvertised(t *testing.T) {
	f := newFake(t, func(f *fake) { f.legacy = true })
	tr, err := runFake(t, f, Options{Flow: FlowClientCredentials, ClientSecret: fakeSecret})
	if err != nil {
		t.Fatal(err)
	}
	wantSeverity(t, tr, RuleImplicit, SeverityError)
	wantSeverity(t, tr, RulePassword, SeverityError)
}

func FuzzSplitJWT(f *testing.F) {
	f.Add("eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjF9.c2ln")
	f.Add("a.b.c")
	f.Add("....")
	f.Fuzz(func(t *testing.T, s string) {
		h, c, ok := splitJWT(s)
		if ok && (h == nil || c == nil) {
			t.Fatal("ok without header or claims")
		}
	})
}

// FuzzMask: a registered secret never survives masking, raw or
// form-encoded.
func FuzzMask(f *testing.F) {
	f.Add("s3cret-value", "client_secret=%s&x=1")
	f.Add("a+b/c=", "Basic %s")
	f.Fuzz(func(t *testing.T, secret, tmpl string) {
		if len(secret) < 3 || strings.Contains(Mask(secret), secret) {
			return
		}
		m := newMasker(false)
		m.add(secret)
		for _, text := range []string{strings.ReplaceAll(tmpl, "%s", secret), strings.ReplaceAll(tmpl, "%s", url.QueryEscape(secret))} {
			if out := m.text(text); strings.Contains(out, secret) && !strings.Contains(strings.ReplaceAll(text, secret, ""), secret) {
				t.Fatalf("%q survived in %q", secret, out)
			}
		}
	})
}

// A saved federation flow keeps its external provider, and both secrets
// only when asked; re-running it gives the same options.
func TestSavedFederationFlow(t *testing.T) {
	dir := t.TempDir()
	o := Options{Issuer: "https://lk.example", ClientID: "ex", ClientSecret: "lk-secret", Flow: FlowFederation,
		Scope: "profile", Resource: "https://lk.example", APIURL: "https://lk.example/demo/api/orders", Prompt: "login",
		ExternalIssuer: "https://idp.example", ExternalClientID: "app", ExternalClientSecret: "idp-secret", ExternalScope: "openid email"}
	for _, keep := range []bool{false, true} {
		name := map[bool]string{false: "fed", true: "fed kept"}[keep]
		if err := Save(dir, SavedFrom(name, o, keep)); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "fed.json"))
	if strings.Contains(string(b), "lk-secret") || strings.Contains(string(b), "idp-secret") || !strings.Contains(string(b), `"external_issuer": "https://idp.example"`) {
		t.Fatalf("saved %s", b)
	}
	all, err := LoadAll(dir)
	if err != nil || len(all) != 2 {
		t.Fatalf("%v %v", all, err)
	}
	want := o
	if got := all[1].Options(); !reflect.DeepEqual(got, want) {
		t.Fatalf("kept: %+v", got)
	}
	want.ClientSecret, want.ExternalClientSecret = "", ""
	if got := all[0].Options(); !reflect.DeepEqual(got, want) {
		t.Fatalf("without secrets: %+v", got)
	}
}

func TestWithoutRef(t *testing.T) {
	for _, c := range []struct{ detail, spec, want string }{
		{`Cache-Control: "no-store" (OAuth 2.1 §3.2.3)`, "OAuth 2.1 §3.2.3; RFC 6749 §5.1", `Cache-Control: "no-store"`},
		{`issuer "x" (RFC 8414 §3.3)`, "RFC 8414 §3.3", `issuer "x"`},
		{`lives 10m (at most 1h)`, "RFC 9700 §4.10", `lives 10m (at most 1h)`},
		{"no parenthesis", "RFC 1", "no parenthesis"},
	} {
		if got := withoutRef(c.detail, c.spec); got != c.want {
			t.Errorf("withoutRef(%q, %q) = %q, want %q", c.detail, c.spec, got, c.want)
		}
	}
}

// A saved code flow keeps its response_mode (JARM) and acr_values, and a
// saved CIBA flow its login_hint and binding message: re-running either
// sends what the first run sent.
func TestSavedFlowKeepsModeACRAndCIBA(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{
		{Issuer: "https://lk.example", ClientID: "web", Flow: FlowAuthorizationCode, Scope: "openid",
			ResponseMode: "query.jwt", ACRValues: "urn:latchkey:acr:mfa"},
		{Issuer: "https://lk.example", ClientID: "teller", Flow: FlowCIBA, Scope: "openid profile",
			LoginHint: "alice", BindingMessage: "Teller 42"},
	} {
		if err := Save(dir, SavedFrom(o.Flow, o, false)); err != nil {
			t.Fatal(err)
		}
		all, err := LoadAll(dir)
		if err != nil {
			t.Fatal(err)
		}
		var got *SavedFlow
		for i := range all {
			if all[i].Name == o.Flow {
				got = &all[i]
			}
		}
		if got == nil || !reflect.DeepEqual(got.Options(), o) {
			t.Fatalf("%s: saved %+v, want %+v", o.Flow, got, o)
		}
	}
}
