package monitor

import (
	"sync"
	"time"

	"github.com/latchkey/latchkey/audit"
)

// Series names fed from audit events by Timeline.Observe.
const (
	SeriesTokensIssued   = "tokens_issued"   // token.issued events
	SeriesFailures       = "failures"        // events with outcome failure
	SeriesGatewayDenied  = "gateway_denied"  // gateway.denied events
	SeriesGatewayTraffic = "gateway_traffic" // fed by the gateway through Add
)

// Span selects a series resolution.
type Span int

// The two resolutions kept for the console's Dashboard charts.
const (
	LastHour Span = iota // 360 points of 10 s
	LastDay              // 288 points of 5 min
)

var spans = [...]struct {
	step time.Duration
	n    int
}{LastHour: {10 * time.Second, 360}, LastDay: {5 * time.Minute, 288}}

// Point is one bucket of a series: the count of things in [Time, Time+step).
type Point struct {
	Time  time.Time `json:"t"`
	Value float64   `json:"v"`
}

// Timeline keeps in-process counters at two resolutions so the desktop
// console can draw charts without Prometheus. Safe for concurrent use.
type Timeline struct {
	now    func() time.Time
	mu     sync.Mutex
	series map[string]*[2]ring
}

// ring is a circular buffer of buckets keyed by their start time.
type ring struct {
	start []int64 // bucket start (unix nanos); stale when it does not match
	val   []float64
}

// NewTimeline returns an empty Timeline reading the clock now (time.Now
// when nil).
func NewTimeline(now func() time.Time) *Timeline {
	if now == nil {
		now = time.Now
	}
	return &Timeline{now: now, series: make(map[string]*[2]ring)}
}

// Add counts n things in series name at time t (the gateway feeds
// SeriesGatewayTraffic this way). Points older than a day are ignored.
func (tl *Timeline) Add(name string, t time.Time, n float64) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	rs := tl.series[name]
	if rs == nil {
		rs = new([2]ring)
		for s, sp := range spans {
			rs[s] = ring{start: make([]int64, sp.n), val: make([]float64, sp.n)}
		}
		tl.series[name] = rs
	}
	for s, sp := range spans {
		b := t.Truncate(sp.step).UnixNano()
		slot := int((b / int64(sp.step)) % int64(sp.n))
		if rs[s].start[slot] != b {
			if rs[s].start[slot] > b {
				continue // older than the ring holds
			}
			rs[s].start[slot], rs[s].val[slot] = b, 0
		}
		rs[s].val[slot] += n
	}
}

// Observe implements audit.Observer, feeding the standard series at the
// event's time.
func (tl *Timeline) Observe(e audit.Event) {
	switch e.Type {
	case audit.TokenIssued:
		tl.Add(SeriesTokensIssued, e.Time, 1)
	case audit.GatewayDenied:
		tl.Add(SeriesGatewayDenied, e.Time, 1)
	}
	if e.Outcome == audit.Failure {
		tl.Add(SeriesFailures, e.Time, 1)
	}
}

// Series returns the points of name over the span, oldest first, one per
// step, ending with the bucket that holds now; empty buckets are zero.
func (tl *Timeline) Series(name string, span Span) []Point {
	sp := spans[span]
	end := tl.now().Truncate(sp.step)
	out := make([]Point, sp.n)
	tl.mu.Lock()
	defer tl.mu.Unlock()
	rs := tl.series[name]
	for k := range out {
		b := end.Add(-time.Duration(sp.n-1-k) * sp.step)
		out[k].Time = b
		if rs == nil {
			continue
		}
		slot := int((b.UnixNano() / int64(sp.step)) % int64(sp.n))
		if rs[span].start[slot] == b.UnixNano() {
			out[k].Value = rs[span].val[slot]
		}
	}
	return out
}
