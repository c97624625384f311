package cli

import (
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
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
