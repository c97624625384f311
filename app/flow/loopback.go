package flow

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// loopback is the RFC 8252 §7.3 redirect listener: an HTTP server on a
// loopback address that catches exactly one authorization response.
type loopback struct {
	uri  string
	path string
	ln   net.Listener
	srv  *http.Server
	once sync.Once
	got  chan *http.Request
}

// callback is the page the browser lands on.
const callbackPage = `<!doctype html><meta charset="utf-8"><title>Latchkey flow tester</title>` +
	`<p>The authorization response reached the flow tester. You can close this window.</p>`

// listenLoopback starts the listener. An empty redirect listens on
// 127.0.0.1 with a random port and path /callback; otherwise the redirect
// must be http on 127.0.0.1, [::1] or localhost, and its port (a random one
// when it has none, as RFC 8252 §7.3 allows) is listened on.
func listenLoopback(redirect string) (*loopback, error) {
	u := &url.URL{Scheme: "http", Host: "127.0.0.1", Path: "/callback"}
	if redirect != "" {
		var err error
		if u, err = url.Parse(redirect); err != nil {
			return nil, fmt.Errorf("flow: redirect URI: %w", err)
		}
		switch h := u.Hostname(); {
		case u.Scheme != "http" || u.Fragment != "":
			return nil, fmt.Errorf("flow: redirect URI %q is not a loopback http URI (RFC 8252 §7.3)", redirect)
		case h != "127.0.0.1" && h != "::1" && h != "localhost":
			return nil, fmt.Errorf("flow: redirect URI %q is not on a loopback address (RFC 8252 §7.3)", redirect)
		}
	}
	port := u.Port()
	if port == "" {
		port = "0"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return nil, fmt.Errorf("flow: loopback listener: %w", err)
	}
	u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	if u.Path == "" {
		u.Path = "/"
	}
	l := &loopback{uri: u.String(), path: u.Path, ln: ln, got: make(chan *http.Request, 1)}
	l.srv = &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = l.srv.Serve(ln) }()
	return l, nil
}

// ServeHTTP takes the first GET on the redirect path as the authorization
// response; everything else is 404.
func (l *loopback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Path != l.path {
		http.NotFound(w, r)
		return
	}
	taken := false
	l.once.Do(func() { l.got <- r.Clone(context.Background()); taken = true })
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	if !taken {
		http.Error(w, "This authorization response was already received.", http.StatusGone)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(callbackPage))
}

// wait returns the authorization response request, or ctx's error.
func (l *loopback) wait(ctx context.Context) (*http.Request, error) {
	select {
	case r := <-l.got:
		return r, nil
	case <-ctx.Done():
		return nil, errors.New("flow: no authorization response reached the loopback listener in time")
	}
}

// close stops the listener.
func (l *loopback) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = l.srv.Shutdown(ctx)
}
