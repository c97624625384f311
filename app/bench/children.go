package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Child modes: lkbench re-executes itself with -child MODE.
const (
	ChildBare  = "bare"  // a bare net/http handler: the HTTP limit
	ChildProxy = "proxy" // httputil.ReverseProxy alone: the gateway's limit
)

func selfPath() (string, error) { return os.Executable() }

// upstreamBody is what the trivial upstream and the bare handler answer.
var upstreamBody = []byte(`{"orders":[{"id":1,"total":"9.99"}]}` + "\n")

// Trivial is the trivial handler: a small JSON body, nothing else.
func Trivial() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(upstreamBody)
	})
}

// NewReverseProxy is the reference proxy: httputil.ReverseProxy to
// upstream with a transport sized like the gateway's own (128 idle
// connections per host).
func NewReverseProxy(upstream *url.URL) http.Handler {
	rp := httputil.NewSingleHostReverseProxy(upstream)
	rp.Transport = &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 128,
		IdleConnTimeout:     90 * time.Second,
	}
	return rp
}

// RunChild runs a child mode until SIGTERM or SIGINT: it serves the bare
// handler or the reverse proxy to upstream on addr. /healthz answers 200.
func RunChild(mode, addr, upstream string) error {
	var h http.Handler
	switch mode {
	case ChildBare:
		h = Trivial()
	case ChildProxy:
		u, err := url.Parse(upstream)
		if err != nil || u.Host == "" {
			return fmt.Errorf("bench: proxy child needs -upstream URL, got %q", upstream)
		}
		h = NewReverseProxy(u)
	default:
		return fmt.Errorf("bench: unknown child mode %q", mode)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.Handle("/", h)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return Serve(ctx, addr, mux)
}

// Serve serves h on addr until ctx ends, then shuts down.
func Serve(ctx context.Context, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// GetOp is the op of a GET of target with an optional bearer token,
// expecting 200.
func GetOp(target, bearer string) Op {
	return func(ctx context.Context, w *Worker) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return err
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := w.Client.Do(req)
		if err != nil {
			return err
		}
		var buf [512]byte
		for {
			if _, err := resp.Body.Read(buf[:]); err != nil {
				break
			}
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", target, resp.Status)
		}
		return nil
	}
}
