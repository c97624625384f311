package gateway

import (
	"context"
	"errors"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/httpstatus"
)

// bufferPool lends the 32 KiB copy buffers every proxied response needs,
// instead of allocating one per request (httputil.BufferPool).
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }

// newProxy builds the route's reverse proxy (Rewrite, never Director, so
// hop-by-hop and X-Forwarded-* headers from the client are dropped).
func (g *Gateway) newProxy(rt *route, target *url.URL) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			if rt.StripPrefix {
				stripPrefix(pr.Out.URL, rt.Prefix)
			}
			pr.SetURL(target)
			pr.SetXForwarded()
			if id, ok := IdentityFrom(pr.In.Context()); ok {
				rt.setIdentity(pr.Out.Header, id)
			}
		},
		Transport:  g.transport,
		BufferPool: g.buffers,
		ModifyResponse: func(resp *http.Response) error {
			if rt.cors != nil {
				stripUpstreamCORS(resp.Header)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				plainDenial(http.StatusRequestEntityTooLarge, CodeTooLarge, "body_too_large", "the request body is larger than this API accepts").write(w, "")
				return
			}
			sw, _ := w.(*statusWriter)
			if errors.Is(err, context.Canceled) {
				if sw != nil {
					sw.clientGone = true // says nothing of the upstream
				}
			} else {
				g.log.Warn().Err(err).Str("route", rt.name).Msg("gateway: upstream failed")
				if sw != nil {
					sw.upstreamFailed = true
				}
			}
			plainDenial(http.StatusBadGateway, CodeBadGateway, "upstream_failed", "the API behind the gateway did not answer; retry later").write(w, "")
		},
		ErrorLog: log.New(discardWriter{}, "", 0),
	}
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

func stripPrefix(u *url.URL, prefix string) {
	p := strings.TrimSuffix(prefix, "/")
	u.Path = "/" + strings.TrimPrefix(strings.TrimPrefix(u.Path, p), "/")
	if u.RawPath != "" {
		u.RawPath = "/" + strings.TrimPrefix(strings.TrimPrefix(u.RawPath, p), "/")
	}
}

// setIdentity sets the route's identity headers from id.
func (rt *route) setIdentity(h http.Header, id *Identity) {
	if rt.idSubject {
		h.Set(HeaderSubject, id.Subject)
	}
	if rt.idClient {
		h.Set(HeaderClient, id.ClientID)
	}
	if rt.idScopes {
		h.Set(HeaderScopes, strings.Join(id.Scopes, " "))
	}
}

// stripIdentityHeaders removes every X-Auth-* header a client sent, so
// only the gateway's values reach an upstream.
func stripIdentityHeaders(h http.Header) {
	for k := range h {
		if len(k) >= 7 && strings.EqualFold(k[:7], "X-Auth-") {
			delete(h, k)
		}
	}
}

// statusWriter records the status an upstream answered with, and whether
// the proxy's error handler answered instead: the upstream could not be
// reached (upstreamFailed), or the client went away first (clientGone).
type statusWriter struct {
	httpstatus.Writer
	upstreamFailed, clientGone bool
}

// forward hands the authorised request to the route's handler and
// observes the upstream exchange.
func (g *Gateway) forward(w http.ResponseWriter, r *http.Request, rt *route, id *Identity) {
	ctx := WithIdentity(r.Context(), id)
	if !rt.KeepAuthorization {
		r.Header.Del("Authorization")
		r.Header.Del("DPoP")
	}
	if r.URL.RawQuery != "" && strings.Contains(r.URL.RawQuery, "access_token") {
		q := r.URL.Query()
		q.Del("access_token")
		r.URL.RawQuery = q.Encode()
	}
	if rt.Handler != nil {
		rt.setIdentity(r.Header, id)
	}
	sw := &statusWriter{Writer: httpstatus.Writer{ResponseWriter: w}}
	start := time.Now()
	rt.handler.ServeHTTP(sw, r.WithContext(ctx))
	d := time.Since(start)
	rt.stats.observe(sw, d, start.Add(d))
	g.metrics.Upstream(rt.name, sw.Status(), d)
}
