package app_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore/server"
)

// cliCall calls method through the console API with the CLI's admin token,
// behind the server's middleware (which gives every request its id).
func cliCall(h http.Handler, method, args string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/console/api/"+method, strings.NewReader(args))
	r.RemoteAddr, r.Host = "127.0.0.1:5000", "127.0.0.1:8421"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer s3cret-admin-token")
	rec := httptest.NewRecorder()
	server.Middleware(zerolog.Nop(), h).ServeHTTP(rec, r)
	return rec
}

func apiError(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct{ Error string }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" {
		t.Fatalf("not an API error: %d %s", rec.Code, rec.Body)
	}
	return body.Error
}

// The key manager's refusals reach the console in words; a storage
// failure it wraps (its text starts with "keys:" too) is an internal
// error that shows only the request id.
func TestKeyErrorsShowRefusalsNotStorage(t *testing.T) {
	a, srv := newAppServer(t)
	h := console(t, a)
	for _, c := range []struct {
		method, args string
		status       int
		want         string
	}{
		{"RevokeKey", `["no-such-kid", "compromised"]`, 404, `no signing key "no-such-kid"`},
		{"RotateKey", `["HS256"]`, 400, `algorithm "HS256" is not one this server signs with`},
		{"RevokeKey", `["no-such-kid", " "]`, 400, "say why the key is revoked"},
	} {
		rec := cliCall(h, c.method, c.args)
		if msg := apiError(t, rec); rec.Code != c.status || !strings.Contains(msg, c.want) {
			t.Errorf("%s %s: %d %q, want %d %q", c.method, c.args, rec.Code, msg, c.status, c.want)
		}
	}

	if err := srv.Store.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, args string }{
		{"RotateKey", `[""]`},
		{"RevokeKey", `["any-kid", "compromised"]`},
		{"ListKeys", `[]`},
	} {
		rec := cliCall(h, c.method, c.args)
		msg := apiError(t, rec)
		id := rec.Header().Get("X-Request-Id")
		if rec.Code != 500 || id == "" || msg != "internal error (request id "+id+")" {
			t.Errorf("%s with a closed store: %d %q (request id %q)", c.method, rec.Code, msg, id)
		}
	}
}

// The desktop window maps errors as the browser's API does: a refusal in
// words, anything else as a reference to the log line holding its text.
func TestWindowErrorsMapLikeTheAPI(t *testing.T) {
	a, srv := newAppServer(t)
	format := app.WindowErrors(a)
	_, err := a.RevokeKey("no-such-kid", "compromised")
	if got := format(err); got != `no signing key "no-such-kid"` {
		t.Errorf("refusal shown as %q", got)
	}
	if _, err := a.CreateUser(app.UserInput{Username: "-bad", Password: "correct horse battery"}); err == nil {
		t.Fatal("a bad username was accepted")
	} else if got, _ := format(err).(string); strings.HasPrefix(got, "internal error") || strings.Contains(got, "login:") {
		t.Errorf("validation error shown as %q", got)
	}
	if err := srv.Store.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = a.RotateKey("")
	if err == nil {
		t.Fatal("rotation with a closed store succeeded")
	}
	got, _ := format(err).(string)
	if !strings.HasPrefix(got, "internal error (reference ") || strings.Contains(got, "keys") ||
		strings.Contains(got, err.Error()) {
		t.Errorf("internal error shown as %q (error: %v)", got, err)
	}
	if got2, _ := format(errors.New("badger: disk on fire")).(string); got2 == got || strings.Contains(got2, "fire") {
		t.Errorf("second internal error shown as %q", got2)
	}
}

// A console action runs in its request's context: the audit events it
// records carry the request id the caller was given.
func TestConsoleActionAuditCarriesRequestID(t *testing.T) {
	a, _ := newAppServer(t)
	h := console(t, a)
	rec := cliCall(h, "CreateClient", `[{"client_name":"Billing","client_type":"confidential","grant_types":["client_credentials"]}]`)
	if rec.Code != 200 {
		t.Fatalf("CreateClient: %d %s", rec.Code, rec.Body)
	}
	id := rec.Header().Get("X-Request-Id")
	page, err := a.QueryAudit(app.AuditFilter{Types: []string{"admin.action", "client.created"}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range page.Events {
		if e.Type == "admin.action" && e.Details["action"] != "client.create" {
			continue // the scopes seeded at start-up
		}
		if e.RequestID != id {
			t.Errorf("%s event has request id %q, want %q", e.Type, e.RequestID, id)
		}
		seen[string(e.Type)] = true
	}
	if !seen["admin.action"] || !seen["client.created"] {
		t.Fatalf("events %v, want admin.action and client.created", seen)
	}
}
