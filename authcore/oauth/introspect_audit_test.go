package oauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/audit"
)

// introspectedEvents are the token.introspected events recorded so far.
func (e *env) introspectedEvents() []audit.Event {
	var out []audit.Event
	for _, ev := range e.rec.all() {
		if ev.Type == audit.TokenIntrospected {
			out = append(out, ev)
		}
	}
	return out
}

// introspectFrom introspects token as caller from the address ip,
// through the endpoint's handler (the test server's peer is always
// loopback).
func (e *env) introspectFrom(caller testClient, token, ip string) string {
	e.t.Helper()
	req := httptest.NewRequest("POST", "/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(caller.ID), url.QueryEscape(caller.secret))
	req.RemoteAddr = ip + ":40000"
	w := httptest.NewRecorder()
	e.ts.Config.Handler.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		e.t.Fatalf("introspect: %d %s", w.Code, w.Body)
	}
	return w.Body.String()
}

// TestIntrospectAuditCoalesced: a caller asking again about the same
// active access token from the same address within the window adds no
// event; a new window, another caller, another address, an inactive
// answer and a refresh token each get theirs (docs/security.md INT-02).
func TestIntrospectAuditCoalesced(t *testing.T) {
	e := newEnv(t)
	tr := e.tokens(e.web)
	at, rt := tr.str("access_token"), tr.str("refresh_token")
	want := 0
	expect := func(step string, add int) {
		t.Helper()
		want += add
		if got := len(e.introspectedEvents()); got != want {
			t.Fatalf("%s: %d token.introspected events, want %d", step, got, want)
		}
	}
	for range 3 {
		if !e.active(e.web, at) {
			t.Fatal("token inactive")
		}
	}
	expect("same caller, token and address three times", 1)
	last := e.introspectedEvents()[0]
	if last.ClientID != e.web.ID || last.Details["active"] != true || last.Details["jti"] == nil {
		t.Fatalf("event: %+v", last)
	}

	e.introspect(e.rs, at)
	e.introspect(e.rs, at)
	expect("a resource server, twice", 1)

	e.introspectFrom(e.web, at, "198.51.100.7")
	e.introspectFrom(e.web, at, "198.51.100.7")
	expect("the same caller from another address, twice", 1)

	e.clock.Advance(introspectAuditWindow - 1)
	e.introspect(e.web, at)
	expect("within the window", 0)
	e.clock.Advance(1)
	e.introspect(e.web, at)
	expect("the next window", 1)

	e.introspect(e.web, rt)
	e.introspect(e.web, rt)
	expect("a refresh token, twice", 2)

	e.introspect(e.svc, at) // another client's token, no audience of the caller's
	e.introspect(e.svc, at)
	expect("an inactive answer, twice", 2)
}

// TestIntrospectAuditRevoked: a token revoked after its introspection was
// recorded is inactive at once, and each inactive answer is recorded
// although the active one of the same window was coalesced.
func TestIntrospectAuditRevoked(t *testing.T) {
	e, _ := cachingEnv(t)
	tok := e.svcToken()
	for range 2 { // the second answer is coalesced in the audit log
		if !e.active(e.svc, tok) {
			t.Fatal("fresh token inactive")
		}
	}
	if r := e.post("/revoke", url.Values{"token": {tok}}, &e.svc); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	for range 2 {
		if e.active(e.svc, tok) {
			t.Fatal("revoked token still active")
		}
	}
	evs := e.introspectedEvents()
	if len(evs) != 3 || evs[0].Details["active"] != true || evs[1].Details["active"] != false || evs[2].Details["active"] != false {
		t.Fatalf("events: %+v", evs)
	}
}

// TestIntrospectAuditBounded: the remembered keys stay within
// maxIntrospectAudited.
func TestIntrospectAuditBounded(t *testing.T) {
	e := newEnv(t)
	if !e.srv.firstInWindow("c", "j", "ip") || e.srv.firstInWindow("c", "j", "ip") {
		t.Fatal("a key was not remembered within its window")
	}
	for i := range 2 * maxIntrospectAudited {
		if !e.srv.firstInWindow("c", strconv.Itoa(i), "ip") {
			t.Fatalf("new key %d taken as seen", i)
		}
	}
	if n := e.srv.introspected.seen.Len(); n > maxIntrospectAudited {
		t.Fatalf("%d keys remembered, bound %d", n, maxIntrospectAudited)
	}
}
