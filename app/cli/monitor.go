package cli

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/latchkey/latchkey/audit/monitor"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/keys"
)

// watchKeys reports every signing key's age to the metrics and the
// key-age alert rule, once a minute until ctx ends.
func watchKeys(ctx context.Context, km *keys.Manager, m *monitor.Metrics, al *monitor.Alerts, period time.Duration, leader func() bool) {
	seen := map[string]bool{}
	report := func() {
		now := time.Now()
		current := map[string]bool{}
		for _, k := range km.Keys() {
			if k.State != authcore.KeyActive {
				continue
			}
			age := now.Sub(k.ActivatedAt)
			current[k.ID] = true
			m.SetKeyAge(k.ID, age)
			if leader() { // one alert per cluster, from the node running the background work
				al.CheckKeyAge(k.ID, age, period)
			}
		}
		for kid := range seen {
			if !current[kid] {
				m.ForgetKey(kid)
			}
		}
		seen = current
	}
	report()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			report()
		}
	}
}

// gatewayMetrics counts the embedded gateway's traffic per route on the
// instance's Prometheus registry (gateway.Metrics).
type gatewayMetrics struct {
	allowed  *prometheus.CounterVec
	denied   *prometheus.CounterVec
	upstream *prometheus.HistogramVec
	tl       *monitor.Timeline
}

func newGatewayMetrics(reg *prometheus.Registry, tl *monitor.Timeline) *gatewayMetrics {
	g := &gatewayMetrics{
		allowed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "latchkey_gateway_allowed_total",
			Help: "Requests the gateway let through, by route."}, []string{"route"}),
		denied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "latchkey_gateway_denied_total",
			Help: "Requests the gateway refused, by route and reason."}, []string{"route", "reason"}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "latchkey_gateway_upstream_seconds",
			Help: "Upstream latency, by route and status.", Buckets: prometheus.DefBuckets}, []string{"route", "status"}),
		tl: tl,
	}
	reg.MustRegister(g.allowed, g.denied, g.upstream)
	return g
}

// Allowed counts a request let through.
func (g *gatewayMetrics) Allowed(route string) {
	g.allowed.WithLabelValues(route).Inc()
	g.tl.Add("gateway_traffic", time.Now(), 1)
}

// Denied counts a refusal.
func (g *gatewayMetrics) Denied(route, reason string) {
	g.denied.WithLabelValues(route, reason).Inc()
	g.tl.Add("gateway_traffic", time.Now(), 1)
}

// Upstream records one upstream round trip.
func (g *gatewayMetrics) Upstream(route string, status int, d time.Duration) {
	g.upstream.WithLabelValues(route, statusClass(status)).Observe(d.Seconds())
}

// statusClasses are the status classes' label values, so that no request
// builds one.
var statusClasses = [...]string{"0xx", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "7xx", "8xx", "9xx"}

func statusClass(s int) string {
	if s < 0 || s/100 >= len(statusClasses) {
		return "other"
	}
	return statusClasses[s/100]
}
