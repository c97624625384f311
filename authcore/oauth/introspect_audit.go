package oauth

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/tokencache"
)

// introspectAuditWindow is how long the audit log takes one
// token.introspected event for a caller asking about the same active
// access token from the same address: a resource server that introspects
// on every API call would otherwise write one event per call, and that
// event was 60% of an introspection's CPU (BENCHMARKS.md, session 6).
// Every other answer is recorded each time: an inactive one (a revoked,
// expired, foreign or unknown token presented), a refresh token's, and
// the first one from another caller or address. The endpoint's request
// metric still counts every call.
const introspectAuditWindow = time.Minute

// maxIntrospectAudited bounds the memory of the recorded keys. Past it
// the oldest go, and their next introspection is recorded again: a full
// set records more events, never fewer.
const maxIntrospectAudited = 10_000

// introspectAudit remembers which (caller, token, address) was recorded
// in the current window. Its zero value is ready.
type introspectAudit struct {
	once sync.Once
	seen *tokencache.Cache[struct{}, struct{}]
}

// auditIntrospection records the token.introspected event of an answer,
// unless the same active access token was recorded for the same caller
// and address within introspectAuditWindow.
func (s *Server) auditIntrospection(ctx context.Context, r *http.Request, caller authcore.Client, resp *introspection) {
	if resp.active && resp.jti != "" && !s.firstInWindow(caller.ID, resp.jti, remoteIP(r)) {
		return
	}
	s.record(ctx, audit.Event{Type: audit.TokenIntrospected, Actor: caller.ID,
		ClientID: caller.ID, Details: map[string]any{"active": resp.active, "jti": resp.auditJTI()}})
}

// firstInWindow reports whether (client, jti, ip) has no event in the
// current window, and starts one when so.
func (s *Server) firstInWindow(client, jti, ip string) bool {
	a := &s.introspected
	a.once.Do(func() { a.seen = tokencache.New[struct{}, struct{}](maxIntrospectAudited) })
	// The parts are joined by NUL, which none of them holds in practice;
	// a collision would only leave one event out.
	key, now := tokencache.KeyOf(client+"\x00"+jti+"\x00"+ip), s.now()
	if _, ok := a.seen.Get(key, struct{}{}, now); ok {
		return false
	}
	a.seen.Put(key, struct{}{}, struct{}{}, now.Add(introspectAuditWindow), now)
	return true
}
