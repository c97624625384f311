package login

import (
	"context"
	"net"
	"net/http"

	"github.com/latchkey/latchkey/audit"
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

// remoteIP is the IP of the direct peer. Forwarded headers are not
// trusted here; a proxy-aware server rewrites RemoteAddr before us.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
