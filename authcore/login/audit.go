package login

import (
	"context"
	"net/http"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// record stamps e with the time and the request facts in ctx and hands it
// to the audit recorder.
func (m *Manager) record(ctx context.Context, e audit.Event) {
	if e.Time.IsZero() {
		e.Time = m.now()
	}
	if id, ok := ctx.Value(clientKey{}).(string); ok && e.ClientID == "" {
		e.ClientID = id
	}
	audit.Fill(ctx, &e)
	m.audit.Record(ctx, e)
}

type clientKey struct{}

// withClient returns ctx naming the client a login is for, so the
// events Authenticate records carry its id. Only registered clients are
// named: the id comes from the request.
func (m *Manager) withClient(ctx context.Context, returnTo string) context.Context {
	id := parseReturnTo(returnTo).clientID
	if id == "" {
		return ctx
	}
	if _, err := m.store.GetClient(ctx, id); err != nil {
		return ctx
	}
	return context.WithValue(ctx, clientKey{}, id)
}

// requestContext returns r's context, carrying the remote address and
// user agent for audit events when the server middleware has not
// attached them.
func requestContext(r *http.Request) context.Context {
	ctx := r.Context()
	if _, ok := audit.RequestFrom(ctx); ok {
		return ctx
	}
	return audit.WithRequest(ctx, audit.RequestInfo{RemoteIP: remoteIP(r), UserAgent: r.UserAgent()})
}

// remoteIP is the client address of r: the one the server middleware
// derived behind a trusted proxy (authcore.ClientIP), else the direct peer.
// Forwarded headers are never read here.
func remoteIP(r *http.Request) string { return authcore.ClientIP(r) }
