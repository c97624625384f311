package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Upstream health, as the console shows it: passive (the last proxied
// exchange says whether the upstream answered) and active (Probe, on
// demand). No background prober: an idle route costs nothing.
const (
	HealthUnknown = "unknown" // no exchange or probe yet
	HealthUp      = "up"      // the upstream answered (any HTTP status)
	HealthDown    = "down"    // it could not be reached, or did not answer in time
)

// ProbeTimeout bounds one Probe.
const ProbeTimeout = 5 * time.Second

// health records the outcome of an exchange that ended at t. Two atomic
// stores: cheap enough for the request path.
func (s *routeStats) health(ok bool, t time.Time) {
	if ok {
		s.lastOK.Store(t.UnixNano())
	} else {
		s.lastFail.Store(t.UnixNano())
	}
}

// healthNow says what the latest outcome was, with both times.
func (s *routeStats) healthNow() (string, time.Time, time.Time) {
	ok, fail := s.lastOK.Load(), s.lastFail.Load()
	var okT, failT time.Time
	if ok != 0 {
		okT = time.Unix(0, ok).UTC()
	}
	if fail != 0 {
		failT = time.Unix(0, fail).UTC()
	}
	switch {
	case ok == 0 && fail == 0:
		return HealthUnknown, okT, failT
	case fail > ok:
		return HealthDown, okT, failT
	}
	return HealthUp, okT, failT
}

// ProbeResult is the outcome of one Probe.
type ProbeResult struct {
	Route  string `json:"route"`
	Target string `json:"target"` // the upstream probed; "in-process" for handler routes
	Health string `json:"health"`
	// Status is the upstream's HTTP status (any status means it is up).
	Status    int     `json:"status,omitempty"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
}

// ErrNoRoute is Probe's error for a name that is not a current route.
var ErrNoRoute = errors.New("gateway: no such route")

// Probe sends one GET to the named route's upstream base URL through the
// gateway's upstream transport (no credentials, no client headers) and
// records the outcome as the route's health. A route served in process
// (the demo API) is always up.
func (g *Gateway) Probe(ctx context.Context, name string) (ProbeResult, error) {
	rt := g.table.Load().find(name)
	if rt == nil {
		return ProbeResult{}, ErrNoRoute
	}
	res := ProbeResult{Route: rt.name, Target: rt.Upstream}
	if rt.Handler != nil {
		res.Target, res.Health = "in-process", HealthUp
		return res, nil
	}
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rt.Upstream, nil)
	if err != nil {
		return ProbeResult{}, err
	}
	req.Header.Set("User-Agent", "latchkey-gateway-probe")
	start := time.Now() // wall clock, as the proxy's observations
	resp, err := g.transport.RoundTrip(req)
	end := time.Now()
	res.LatencyMS = float64(end.Sub(start).Microseconds()) / 1000
	if err != nil {
		res.Health, res.Error = HealthDown, probeError(ctx, err)
		rt.stats.health(false, end)
		return res, nil
	}
	resp.Body.Close()
	res.Health, res.Status = HealthUp, resp.StatusCode
	rt.stats.health(true, end)
	return res, nil
}

// probeError words a failed probe for the administrator: a timeout as
// such, anything else as the transport's error (the dial or TLS failure,
// which names the address but carries no credential).
func probeError(ctx context.Context, err error) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "no answer within " + ProbeTimeout.String()
	}
	return err.Error()
}
