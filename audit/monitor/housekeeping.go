package monitor

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// RuleClockJump is the alert raised when the system clock jumps.
const RuleClockJump = "clock_jump"

// Housekeeping counts the server's background work on a registry: expired
// records removed by the collector, failed collections and clock jumps.
type Housekeeping struct {
	removed, failed, jumps prometheus.Counter
}

// NewHousekeeping registers the housekeeping series on reg.
func NewHousekeeping(reg *prometheus.Registry) *Housekeeping {
	h := &Housekeeping{
		removed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "latchkey_gc_removed_total", Help: "Expired records (codes, sessions, refresh tokens, revocations, ...) removed by the collector.",
		}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "latchkey_gc_failures_total", Help: "Garbage collections that failed (each also logged).",
		}),
		jumps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "latchkey_clock_jumps_total", Help: "Times the system clock moved more than a minute from the monotonic clock.",
		}),
	}
	reg.MustRegister(h.removed, h.failed, h.jumps)
	return h
}

// Collected records one garbage collection.
func (h *Housekeeping) Collected(removed int, err error) {
	h.removed.Add(float64(removed))
	if err != nil {
		h.failed.Inc()
	}
}

// ClockJumped records one clock jump.
func (h *Housekeeping) ClockJumped(time.Duration) { h.jumps.Inc() }

// ClockJumped raises a clock_jump alert: the system clock moved skew away
// from the monotonic clock (negative: back).
func (a *Alerts) ClockJumped(skew time.Duration) {
	dir := "ahead"
	if skew < 0 {
		dir, skew = "back", -skew
	}
	a.fire(Alert{Time: a.cfg.Now(), Rule: RuleClockJump, Count: 1,
		Message: fmt.Sprintf("the system clock jumped %s %s; check NTP. Tokens are judged by the system clock while it is off", skew.Round(time.Second), dir)})
}
