package cli

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// balancer is the load balancer of a testCluster: a reverse proxy whose
// address is the cluster's issuer, sending each request to the next node
// in turn, or to the one node a test pinned. It keeps the Host header
// (as nginx's proxy_set_header Host $host does), so every node sees the
// issuer's host.
type balancer struct {
	url   string
	mu    sync.Mutex
	nodes []*url.URL
	next  atomic.Uint64
	pin   atomic.Int64 // index+1 of the pinned node; 0: round robin
}

func newBalancer(t *testing.T) *balancer {
	b := &balancer{}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(b.pick())
			r.Out.Host = r.In.Host
		},
		Transport: retryRefused{b},
		ErrorLog:  log.New(io.Discard, "", 0), // a node killed mid-request is the point
	}
	ts := httptest.NewServer(proxy)
	t.Cleanup(ts.Close)
	b.url = ts.URL
	return b
}

func (b *balancer) add(u string) {
	pu, _ := url.Parse(u)
	b.mu.Lock()
	b.nodes = append(b.nodes, pu)
	b.mu.Unlock()
}

// pick is the node of the next request.
func (b *balancer) pick() *url.URL {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p := b.pin.Load(); p > 0 {
		return b.nodes[p-1]
	}
	return b.nodes[int(b.next.Add(1)-1)%len(b.nodes)]
}

// pinTo sends every request to node i until the next pinTo; -1 goes
// back to round robin.
func (b *balancer) pinTo(i int) { b.pin.Store(int64(i + 1)) }

// retryRefused sends a request to the next node when its node refuses the
// connection (it is down or restarting), as nginx's proxy_next_upstream
// error does: the request never reached a node, so sending it again is
// safe for any method.
type retryRefused struct{ b *balancer }

func (rt retryRefused) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	var err error
	for range 2 * len(rt.b.nodes) {
		r := req.Clone(req.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		var resp *http.Response
		if resp, err = http.DefaultTransport.RoundTrip(r); !errors.Is(err, syscall.ECONNREFUSED) {
			return resp, err
		}
		req.URL = rt.b.pickAfter(req.URL)
	}
	return nil, err
}

// pickAfter is the node after u, skipping a pin (the pinned node is down).
func (b *balancer) pickAfter(u *url.URL) *url.URL {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, n := range b.nodes {
		if n.Host == u.Host {
			next := *b.nodes[(i+1)%len(b.nodes)]
			next.Path, next.RawQuery = u.Path, u.RawQuery
			return &next
		}
	}
	return u
}
