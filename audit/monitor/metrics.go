package monitor

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/internal/httpstatus"
)

// MetricsConfig configures NewMetrics.
type MetricsConfig struct {
	// ActiveSessions, when set, is read at every scrape for the
	// latchkey_active_sessions gauge.
	ActiveSessions func() float64
	// AuditStats, when set, exposes the audit log's own counters
	// (recorded, lost, queued).
	AuditStats func() audit.Stats
	// Now is the clock for request latency; defaults to time.Now.
	Now func() time.Time
}

// Metrics owns a private Prometheus registry (never the global one) and
// the Latchkey series on it. Event-derived series are fed by Observe.
type Metrics struct {
	reg       *prometheus.Registry
	now       func() time.Time
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	tokens    *prometheus.CounterVec
	failures  *prometheus.CounterVec
	events    *prometheus.CounterVec
	rateLimit *prometheus.CounterVec
	keyAge    *prometheus.GaugeVec
}

// NewMetrics builds the registry and its collectors (plus the Go runtime
// and process collectors).
func NewMetrics(cfg MetricsConfig) *Metrics {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Metrics{reg: prometheus.NewRegistry(), now: cfg.Now}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "latchkey_http_requests_total", Help: "HTTP requests by endpoint and status code.",
	}, []string{"endpoint", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "latchkey_http_request_duration_seconds", Help: "HTTP request latency by endpoint.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"endpoint"})
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "latchkey_tokens_issued_total", Help: "Tokens issued by grant type and client (token.issued events).",
	}, []string{"grant", "client"})
	m.failures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "latchkey_failures_total", Help: "Failed security events by event type and reason.",
	}, []string{"type", "reason"})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "latchkey_audit_events_total", Help: "Audit events committed, by type and outcome.",
	}, []string{"type", "outcome"})
	m.rateLimit = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "latchkey_ratelimit_hits_total", Help: "Requests refused by a rate limit (ratelimit.hit events), by client.",
	}, []string{"client"})
	m.keyAge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "latchkey_signing_key_age_seconds", Help: "Age of each published signing key.",
	}, []string{"kid"})
	m.reg.MustRegister(m.requests, m.latency, m.tokens, m.failures, m.events, m.rateLimit, m.keyAge,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.ActiveSessions != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "latchkey_active_sessions", Help: "Browser sessions currently active.",
		}, cfg.ActiveSessions))
	}
	if cfg.AuditStats != nil {
		m.registerAuditStats(cfg.AuditStats)
	}
	return m
}

func (m *Metrics) registerAuditStats(stats func() audit.Stats) {
	for _, g := range []struct {
		name, help string
		f          func(audit.Stats) float64
	}{
		{"latchkey_audit_recorded_total", "Audit events committed since start.", func(s audit.Stats) float64 { return float64(s.Recorded) }},
		{"latchkey_audit_lost_total", "Audit events that could not be committed (each also logged).", func(s audit.Stats) float64 { return float64(s.Lost) }},
		{"latchkey_audit_queued", "Audit events waiting in the buffer.", func(s audit.Stats) float64 { return float64(s.Queued) }},
	} {
		f := g.f
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.name, Help: g.help},
			func() float64 { return f(stats()) }))
	}
}

// Registry returns the private registry, for callers that add their own
// collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format (mount
// it at /metrics, loopback-only or behind the admin credential).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// SetKeyAge records the age of signing key kid (the key manager calls it,
// typically together with Alerts.CheckKeyAge).
func (m *Metrics) SetKeyAge(kid string, age time.Duration) {
	m.keyAge.WithLabelValues(kid).Set(age.Seconds())
}

// ForgetKey removes the age series of a removed key.
func (m *Metrics) ForgetKey(kid string) { m.keyAge.DeleteLabelValues(kid) }

// Observe implements audit.Observer. token.issued events count by
// details.grant_type and client; failures by type and reason; ratelimit.hit
// by client; every event by type and outcome.
func (m *Metrics) Observe(e audit.Event) {
	m.events.WithLabelValues(string(e.Type), string(e.Outcome)).Inc()
	switch {
	case e.Type == audit.TokenIssued:
		grant, _ := e.Details["grant_type"].(string)
		m.tokens.WithLabelValues(grant, e.ClientID).Inc()
	case e.Type == audit.RateLimitHit:
		m.rateLimit.WithLabelValues(e.ClientID).Inc()
	}
	if e.Outcome == audit.Failure {
		m.failures.WithLabelValues(string(e.Type), e.Reason).Inc()
	}
}

// Instrument wraps h so that its requests are counted by endpoint and
// status and timed.
func (m *Metrics) Instrument(endpoint string, h http.Handler) http.Handler {
	lat := m.latency.WithLabelValues(endpoint)
	counts := &codeCounters{vec: m.requests, endpoint: endpoint}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := m.now()
		sw := &httpstatus.Writer{ResponseWriter: w}
		defer func() {
			lat.Observe(m.now().Sub(start).Seconds())
			code := sw.Status()
			if code == 0 {
				code = http.StatusOK // what net/http sends for a handler that wrote nothing
			}
			counts.inc(code)
		}()
		h.ServeHTTP(sw, r)
	})
}

// codeCounters are one endpoint's request counters by status code, each
// looked up in the vector once rather than at every request.
type codeCounters struct {
	vec      *prometheus.CounterVec
	endpoint string
	byCode   [600]atomic.Pointer[prometheus.Counter]
}

func (c *codeCounters) inc(code int) {
	if code < 0 || code >= len(c.byCode) {
		c.vec.WithLabelValues(c.endpoint, strconv.Itoa(code)).Inc()
		return
	}
	p := c.byCode[code].Load()
	if p == nil {
		ctr := c.vec.WithLabelValues(c.endpoint, strconv.Itoa(code))
		p = &ctr
		c.byCode[code].Store(p)
	}
	(*p).Inc()
}
