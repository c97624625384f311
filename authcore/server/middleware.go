package server

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/netip"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/internal/httpstatus"
)

// MaxHeaderBytes bounds request headers on every listener (an
// http.Server's MaxHeaderBytes; docs/security.md, the listener section).
const MaxHeaderBytes = 32 << 10

// nosniff is the X-Content-Type-Options value of every response, shared
// (one value at full capacity, so an Add never writes into it).
var nosniff = []string{"nosniff"}[:1:1]

// newRequestID returns 96 random bits, hex encoded.
func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Middleware gives every request an id (echoed as X-Request-Id), sets HSTS
// on TLS connections, attaches
// the request facts for audit events, recovers panics as a bare 500 with no
// detail, sets headers every response should carry, and writes one access
// log line. The query string is never logged: it may hold a code or state.
// No proxy is trusted: the client is the direct peer (ProxyMiddleware).
func Middleware(log zerolog.Logger, next http.Handler) http.Handler {
	return ProxyMiddleware(log, nil, next)
}

// ProxyMiddleware is Middleware behind the given trusted reverse proxies
// (--trusted-proxies): the client address every per-address limit, audit
// event and log line keys on is authcore.DeriveClientIP's, the real client
// behind a trusted proxy and never what a direct peer claims in a header.
func ProxyMiddleware(log zerolog.Logger, trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		sw := &httpstatus.Writer{ResponseWriter: w}
		h := sw.Header()
		h["X-Request-Id"] = []string{id}
		h["X-Content-Type-Options"] = nosniff
		if r.TLS != nil {
			// Browsers must never fall back to plain HTTP (RFC 9700 §2.6, FAPI 2.0 §5.2).
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		ip := authcore.DeriveClientIP(r, trusted)
		ctx := authcore.WithClientIP(r.Context(), ip)
		ctx = audit.WithRequest(ctx, audit.RequestInfo{ID: id, RemoteIP: ip, UserAgent: r.UserAgent()})
		rl := log.With().Str("request_id", id).Logger()
		ctx = rl.WithContext(ctx)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				rl.Error().Interface("panic", v).Str("path", r.URL.Path).Msg("server: handler panicked")
				if sw.Status() == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			rl.Info().
				Str("method", r.Method).
				Str("path", r.URL.Path).
				Int("status", sw.Status()).
				Int("bytes", sw.Size()).
				Str("remote", ip).
				Dur("took", time.Since(start)).
				Msg("request")
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}
