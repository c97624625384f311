package bench

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// ErrExhausted is returned by an Op whose pool of single-use inputs
// (codes, tokens to revoke) is empty: its worker stops, and the run's
// rate is counted over the time the workers actually ran.
var ErrExhausted = errors.New("bench: pool exhausted")

// Worker is one load-generating goroutine: one keep-alive connection in
// practice, its own random source, and State for an Op to keep between
// calls (a refresh-token chain).
type Worker struct {
	ID     int
	Client *http.Client
	Rand   *rand.Rand
	State  any
}

// Op is one measured operation; it returns an error when the answer was
// not the expected one.
type Op func(ctx context.Context, w *Worker) error

// Sample is the outcome of one timed run.
type Sample struct {
	Ops      int           // operations that succeeded
	Errors   int           // operations that failed
	FirstErr error         // the first failure, for the report
	Elapsed  time.Duration // time the workers ran
	P50, P99 time.Duration // latency of the successful operations
}

// Rate is the successful operations per second.
func (s Sample) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Ops) / s.Elapsed.Seconds()
}

// NewHTTPClient returns a client with keep-alive and enough idle
// connections for conc workers to each keep theirs; no redirects are
// followed.
func NewHTTPClient(conc int) *http.Client {
	tr := &http.Transport{
		MaxIdleConns: conc + 16, MaxIdleConnsPerHost: conc + 16,
		IdleConnTimeout: time.Minute, DisableCompression: true, ForceAttemptHTTP2: false,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Drive runs op on conc workers for d and measures it. states, when not
// nil, gives each worker its initial State.
func Drive(ctx context.Context, client *http.Client, conc int, d time.Duration, op Op, states func(i int) any) Sample {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		lat    []time.Duration
		errs   int
		first  error
		finish time.Time
	}
	results := make([]result, conc)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := 0; i < conc; i++ {
		w := &Worker{ID: i, Client: client, Rand: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))}
		if states != nil {
			w.State = states(i)
		}
		wg.Add(1)
		go func(r *result) {
			defer wg.Done()
			r.lat = make([]time.Duration, 0, 4096)
			for {
				t0 := time.Now()
				if !t0.Before(deadline) || ctx.Err() != nil {
					break
				}
				err := op(ctx, w)
				if errors.Is(err, ErrExhausted) {
					break
				}
				if err != nil {
					if r.errs == 0 {
						r.first = err
					}
					r.errs++
					continue
				}
				r.lat = append(r.lat, time.Since(t0))
			}
			r.finish = time.Now()
		}(&results[i])
	}
	wg.Wait()
	var s Sample
	var all []time.Duration
	var last time.Time
	for _, r := range results {
		all = append(all, r.lat...)
		s.Errors += r.errs
		if s.FirstErr == nil {
			s.FirstErr = r.first
		}
		if r.finish.After(last) {
			last = r.finish
		}
	}
	s.Ops = len(all)
	s.Elapsed = last.Sub(start)
	s.P50, s.P99 = percentile(all, 0.50), percentile(all, 0.99)
	return s
}

// percentile returns the q-quantile of lat (nearest rank); it sorts lat.
func percentile(lat []time.Duration, q float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	i := int(q*float64(len(lat))+0.5) - 1
	return lat[max(0, min(i, len(lat)-1))]
}
