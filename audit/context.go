package audit

import "context"

// RequestInfo is what the HTTP layer knows about the request behind an
// event. The server's middleware attaches it to the request context; a
// Recorder fills the matching empty Event fields from it.
type RequestInfo struct {
	ID        string
	RemoteIP  string
	UserAgent string
}

type requestKey struct{}

// WithRequest returns ctx carrying info.
func WithRequest(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, info)
}

// RequestFrom returns the RequestInfo attached to ctx, if any.
func RequestFrom(ctx context.Context) (RequestInfo, bool) {
	info, ok := ctx.Value(requestKey{}).(RequestInfo)
	return info, ok
}

// Fill copies request facts from ctx into the empty fields of e.
func Fill(ctx context.Context, e *Event) {
	info, ok := RequestFrom(ctx)
	if !ok {
		return
	}
	if e.RequestID == "" {
		e.RequestID = info.ID
	}
	if e.RemoteIP == "" {
		e.RemoteIP = info.RemoteIP
	}
	if e.UserAgent == "" {
		e.UserAgent = info.UserAgent
	}
}
