package gateway

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Metrics receives per-route measurements. The server plugs a Prometheus
// implementation in; the default does nothing. Methods are called on the
// request path and must be cheap and safe for concurrent use.
type Metrics interface {
	// Allowed counts a request let through to the route's upstream.
	Allowed(route string)
	// Denied counts a refused request with the reason (the audit reason:
	// "no_credentials", "expired", "insufficient_scope", "rate_limited",
	// ...).
	Denied(route, reason string)
	// Upstream observes one proxied exchange: the upstream's status (502
	// when it could not be reached) and its latency.
	Upstream(route string, status int, d time.Duration)
}

type noMetrics struct{}

func (noMetrics) Allowed(string)                      {}
func (noMetrics) Denied(string, string)               {}
func (noMetrics) Upstream(string, int, time.Duration) {}

// RouteStats are the in-memory counters of one route since the gateway
// started, for the console.
type RouteStats struct {
	Route   string            `json:"route"`
	Allowed uint64            `json:"allowed"`
	Denied  map[string]uint64 `json:"denied"`
	// Upstream counts proxied exchanges; UpstreamErrors those answered
	// 502 because the upstream could not be reached or did not answer.
	Upstream       uint64        `json:"upstream"`
	UpstreamErrors uint64        `json:"upstream_errors"`
	MeanLatency    time.Duration `json:"mean_latency_ns"`
	// Health is what the last exchange (or probe) with the upstream said:
	// HealthUp, HealthDown, or HealthUnknown before any (health.go).
	Health      string    `json:"health"`
	LastOK      time.Time `json:"last_ok,omitzero"`
	LastFailure time.Time `json:"last_failure,omitzero"`
}

// routeStats are one route's counters; they survive SetRoutes by name.
type routeStats struct {
	allowed, upstream, upErrors, latencyNS atomic.Uint64
	lastOK, lastFail                       atomic.Int64 // unix ns, health.go
	mu                                     sync.Mutex
	denied                                 map[string]uint64
}

// statsTable keeps routeStats by route name.
type statsTable struct {
	mu     sync.Mutex
	routes map[string]*routeStats
}

func (t *statsTable) get(name string) *routeStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.routes == nil {
		t.routes = make(map[string]*routeStats)
	}
	s := t.routes[name]
	if s == nil {
		s = &routeStats{denied: make(map[string]uint64)}
		t.routes[name] = s
	}
	return s
}

func (s *routeStats) deny(reason string) {
	s.mu.Lock()
	s.denied[reason]++
	s.mu.Unlock()
}

// observe counts one exchange. An upstream failure is an error and makes
// the route down; any answer, a 502 of the upstream's own included, makes
// it up; a client that left first says nothing of the upstream's health.
func (s *routeStats) observe(sw *statusWriter, d time.Duration, end time.Time) {
	s.upstream.Add(1)
	s.latencyNS.Add(uint64(d))
	switch {
	case sw.upstreamFailed:
		s.upErrors.Add(1)
		s.health(false, end)
	case !sw.clientGone:
		s.health(true, end)
	}
}

// snapshot returns the counters of the named routes, sorted by name.
func (t *statsTable) snapshot(names []string) []RouteStats {
	out := make([]RouteStats, 0, len(names))
	for _, n := range names {
		s := t.get(n)
		rs := RouteStats{Route: n, Allowed: s.allowed.Load(), Upstream: s.upstream.Load(),
			UpstreamErrors: s.upErrors.Load(), Denied: make(map[string]uint64)}
		if rs.Upstream > 0 {
			rs.MeanLatency = time.Duration(s.latencyNS.Load() / rs.Upstream)
		}
		rs.Health, rs.LastOK, rs.LastFailure = s.healthNow()
		s.mu.Lock()
		for k, v := range s.denied {
			rs.Denied[k] = v
		}
		s.mu.Unlock()
		out = append(out, rs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Route < out[j].Route })
	return out
}
