package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

const issuer = "http://127.0.0.1:8421"

func newApp(t *testing.T) *app.App {
	a, _ := newAppServer(t)
	return a
}

func newAppServer(t *testing.T) (*app.App, *server.Server) {
	return newAppWith(t, app.Info{Issuer: issuer, Addresses: []string{"127.0.0.1:8421"}, DataDir: "/data", Mode: "serve",
		StartedAt: time.Now().Add(-time.Minute)})
}

// newAppWith is the console of a server with an in-memory store and audit
// log, whose issuer is info's.
func newAppWith(t *testing.T, info app.Info) (*app.App, *server.Server) {
	t.Helper()
	a, srv, _ := newAppLog(t, info)
	return a, srv
}

// newAppLog is newAppWith that also returns the audit log.
func newAppLog(t *testing.T, info app.Info) (*app.App, *server.Server, *audit.Log) {
	t.Helper()
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	alog, err := audit.Open(audit.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { alog.Close() })
	// ES256 keys alone: the default RS256 keys cost about a second each
	// (authcore/server tests cover them).
	srv, err := server.New(context.Background(), server.Config{Issuer: info.Issuer, Store: st, Audit: alog, Logger: zerolog.Nop(),
		KeyAlgorithms: []string{"ES256"}})
	if err != nil {
		t.Fatal(err)
	}
	return app.New(app.Config{Server: srv, Audit: alog, Logger: zerolog.Nop(), Info: info}), srv, alog
}

func console(t *testing.T, a *app.App) http.Handler {
	return app.Handler(a, app.ConsoleConfig{
		Assets:     fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Latchkey</title>")}},
		Hosts:      []string{"127.0.0.1:8421", "localhost:8421"},
		AdminToken: "s3cret-admin-token",
	})
}

type call struct {
	name   string
	remote string
	host   string
	header map[string]string
	body   string
	status int
}

func do(h http.Handler, c call) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/console/api/Status", strings.NewReader(c.body))
	r.RemoteAddr, r.Host = c.remote, c.host
	r.Header.Set("Content-Type", "application/json")
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

type atClaims struct {
	jwt.RegisteredClaims
	ClientID string         `json:"client_id,omitempty"`
	Scope    string         `json:"scope"`
	Cnf      map[string]any `json:"cnf,omitempty"`
}

// The admin API answers only with a credential, an allowed Host and from
// the same origin (SECURITY.md X-02).
func TestConsoleAPIProtection(t *testing.T) {
	a, srv := newAppServer(t)
	if err := app.EnsureConsoleClient(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	h := console(t, a)
	admin, err := a.CreateFirstAdmin(app.UserInput{Username: "root", Password: "correct horse battery"})
	if err != nil || !admin.Admin {
		t.Fatalf("first admin: %+v %v", admin, err)
	}
	if _, err := a.CreateFirstAdmin(app.UserInput{Username: "eve", Password: "correct horse battery"}); err == nil {
		t.Fatal("a second 'first admin' was created")
	}
	user, _ := a.CreateUser(app.UserInput{Username: "bob", Password: "correct horse battery"})
	at := func(sub, scope string) string {
		now := time.Now()
		tok, err := srv.Keys.Sign("", "at+jwt", atClaims{Scope: scope, ClientID: app.ConsoleClientID, RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: sub, Audience: jwt.ClaimStrings{issuer}, ID: sub + scope,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}})
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	same := map[string]string{"Origin": "http://127.0.0.1:8421", "Sec-Fetch-Site": "same-origin"}
	with := func(h map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for kk, vv := range h {
			out[kk] = vv
		}
		return out
	}
	for _, c := range []call{
		{name: "admin token", remote: "127.0.0.1:5000", host: "127.0.0.1:8421", header: with(same, "Authorization", at(admin.ID, "openid latchkey:admin")), status: 200},
		{name: "cli token", remote: "[::1]:5000", host: "127.0.0.1:8421", header: map[string]string{"Authorization": "Bearer s3cret-admin-token"}, status: 200},
		{name: "no credential", remote: "127.0.0.1:5000", host: "127.0.0.1:8421", header: same, status: 401},
		{name: "wrong cli token", remote: "127.0.0.1:5000", host: "127.0.0.1:8421", header: map[string]string{"Authorization": "Bearer nope"}, status: 401},
		{name: "cli token from the network", remote: "192.0.2.7:5000", host: "127.0.0.1:8421", header: map[string]string{"Authorization": "Bearer s3cret-admin-token"}, status: 403},
		{name: "admin token over plain http from the network", remote: "192.0.2.7:5000", host: "127.0.0.1:8421", header: map[string]string{"Authorization": at(admin.ID, "latchkey:admin")}, status: 403},
		{name: "token without the admin scope", remote: "127.0.0.1:5000", host: "127.0.0.1:8421", header: map[string]string{"Authorization": at(admin.ID, "openid")}, status: 401},
		{name: "non-admin user", remote: "127.0.0.1:5000", host: "127.0.0.1:8421", header: map[string]string{"Authorization": at(user.ID, "latchkey:admin")}, status: 403},
		{name: "dns rebinding", remote: "127.0.0.1:5000", host: "attacker.example:8421", header: map[string]string{"Authorization": at(admin.ID, "latchkey:admin")}, status: 421},
		{name: "cross origin", remote: "127.0.0.1:5000", host: "127.0.0.1:8421", header: map[string]string{"Origin": "http://attacker.example", "Authorization": at(admin.ID, "latchkey:admin")}, status: 403},
		{name: "cross site fetch", remote: "127.0.0.1:5000", host: "127.0.0.1:8421", header: map[string]string{"Sec-Fetch-Site": "cross-site", "Authorization": at(admin.ID, "latchkey:admin")}, status: 403},
		{name: "form post", remote: "127.0.0.1:5000", host: "127.0.0.1:8421", header: map[string]string{"Content-Type": "text/plain", "Authorization": at(admin.ID, "latchkey:admin")}, status: 415},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := do(h, c)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			if rec.Header().Get("Access-Control-Allow-Origin") != "" {
				t.Error("CORS must never be granted")
			}
		})
	}
	// The console's login parameters are public; first_run is over.
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/console/api/config", nil)
	r.RemoteAddr = "127.0.0.1:1"
	h.ServeHTTP(rec, r)
	var cfg map[string]any
	json.Unmarshal(rec.Body.Bytes(), &cfg)
	if cfg["client_id"] != app.ConsoleClientID || cfg["redirect_uri"] != issuer+"/console/" || cfg["first_run"] != false {
		t.Fatalf("config %v", cfg)
	}
	c, err := srv.OAuth.Client(context.Background(), app.ConsoleClientID)
	if err != nil || c.Type != "public" || c.RedirectURIs[0] != issuer+"/console/" {
		t.Fatalf("console client %+v %v", c, err)
	}
}

func TestStatusReportsRealFacts(t *testing.T) {
	rec := do(console(t, newApp(t)), call{remote: "127.0.0.1:1", host: "127.0.0.1:8421", body: "[]",
		header: map[string]string{"Authorization": "Bearer s3cret-admin-token"}})
	var got struct{ Result app.Status }
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	s := got.Result
	if s.Issuer != issuer || s.DataDir != "/data" || s.UptimeSeconds < 59 || s.JWKSURL != issuer+"/jwks.json" || s.Mode != "serve" {
		t.Errorf("status = %+v", s)
	}
}

// Errors a person caused are shown as they are; internal ones never.
func TestDispatcherErrors(t *testing.T) {
	d := app.NewDispatcher(newApp(t))
	for _, c := range []struct{ method, args, want string }{
		{"Nope", "[]", "no such operation: Nope"},
		{"Status", `{"a":1}`, "arguments must be a JSON array"},
		{"Status", `[1]`, "Status takes 0 argument(s), got 1"},
		{"CreateClient", `[{"client_name":"x","bogus":1}]`, `argument 1: unknown field "bogus"`},
		{"CreateClient", `[{"client_name":"x","client_type":"public","redirect_uris":["javascript:alert(1)"]}]`, `redirect URI "javascript:alert(1)": scheme not allowed`},
	} {
		_, err := d.Call(c.method, []byte(c.args))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: err = %v, want %q", c.method, c.args, err, c.want)
		}
	}
}

// A client created through the console API is the same record the token
// endpoint knows, and its secret is shown exactly once.
func TestClientLifecycle(t *testing.T) {
	a := newApp(t)
	c, err := a.CreateClient(app.ClientInput{Name: "Billing", Type: "confidential",
		GrantTypes: []string{"client_credentials"}, Scope: "orders:read"})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || len(c.Secret) < 40 || c.AuthMethod != "client_secret_basic" {
		t.Fatalf("created %+v", c)
	}
	again, err := a.GetClient(c.ID)
	if err != nil || again.Secret != "" {
		t.Fatalf("secret shown twice or lookup failed: %+v %v", again, err)
	}
	rot, err := a.RotateClientSecret(c.ID, 3600)
	if err != nil || rot.Secret == "" || rot.Secret == c.Secret || !rot.HasPrevSecret {
		t.Fatalf("rotate: %+v %v", rot, err)
	}
	list, err := a.ListClients()
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	if err := a.DeleteClient(c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetClient(c.ID); err == nil {
		t.Fatal("deleted client still there")
	}
}

func TestUsersAndAudit(t *testing.T) {
	a := newApp(t)
	u, err := a.CreateUser(app.UserInput{Username: "alice", Email: "alice@example.com", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateUser(app.UserInput{Username: "alice", Password: "correct horse battery"}); err == nil {
		t.Fatal("duplicate username accepted")
	}
	if _, err := a.CreateUser(app.UserInput{Username: "bob", Password: "short"}); err == nil {
		t.Fatal("weak password accepted")
	}
	d, err := a.SetUserDisabled("alice", true)
	if err != nil || !d.Disabled || d.ID != u.ID {
		t.Fatalf("disable: %+v %v", d, err)
	}
	page, err := a.QueryAudit(app.AuditFilter{Types: []string{string(audit.AdminAction)}})
	if err != nil {
		t.Fatal(err)
	}
	// Events are written asynchronously; wait for both admin actions.
	for i := 0; len(page.Events) < 2 && i < 50; i++ {
		time.Sleep(20 * time.Millisecond)
		page, _ = a.QueryAudit(app.AuditFilter{Types: []string{string(audit.AdminAction)}})
	}
	if len(page.Events) < 2 {
		t.Fatalf("admin actions not audited: %+v", page.Events)
	}
	for _, e := range page.Events {
		raw, _ := json.Marshal(e)
		if strings.Contains(string(raw), "correct horse") {
			t.Fatal("password in the audit log")
		}
	}
	if _, err := a.QueryAudit(app.AuditFilter{Expr: "details.(("}); err == nil {
		t.Fatal("bad expression accepted")
	}
	v, err := a.VerifyAudit()
	if err != nil || !v.OK {
		t.Fatalf("verify: %+v %v", v, err)
	}
}

func TestStaticConsole(t *testing.T) {
	h := console(t, newApp(t))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/console/", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 || !strings.Contains(string(body), "Latchkey") {
		t.Fatalf("%d %s", rec.Code, body)
	}
	if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") || rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Error("console pages must not be framed")
	}
	empty := app.Handler(newApp(t), app.ConsoleConfig{Assets: fstest.MapFS{}})
	rec = httptest.NewRecorder()
	empty.ServeHTTP(rec, httptest.NewRequest("GET", "/console/", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "make build") {
		t.Fatalf("unbuilt console: %d %s", rec.Code, rec.Body)
	}
}
