package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Plan is how long and how often each figure is measured.
type Plan struct {
	Warmup   time.Duration // one untimed run first
	Duration time.Duration // each timed run
	Runs     int           // timed runs; the figure is their median
	// Profile, when set, is called around the first timed run of each
	// figure and returns the function that ends the profile.
	Profile func(name string) (stop func())
	// PID, when set, names the measured process, whose CPU use is
	// reported with each figure.
	PID func() int
	// ExtraCPU, when set, is CPU time used so far by processes that serve
	// the measured one (a PostgreSQL server): counted as the server's.
	ExtraCPU func() time.Duration
}

// MaxLost is the share of either core that steal and other processes
// may take during a timed run before the run is measured again (at most
// Plan.Runs times per figure): the machine is shared.
const MaxLost = 0.15

// Load is one figure to measure: an operation at a concurrency.
type Load struct {
	Name string
	Conc int
	Op   Op
	// States gives each worker its initial State (optional).
	States func(i int) any
	// Before runs untimed before the warm-up and each timed run, with
	// about how many operations the run will need: it fills the pools of
	// single-use inputs (optional).
	Before func(ctx context.Context, need int) error
	// Guess is the expected rate, sizing the warm-up's pools (default 2000/s).
	Guess float64
	// Wrk, when set, drives the load with wrk instead of Op (which is
	// then only a check run once before the warm-up).
	Wrk *Wrk
}

// Figure is a measured figure: the median of its runs.
type Figure struct {
	Name     string
	Conc     int
	Rate     float64   // median operations per second
	Runs     []float64 // every run's rate
	P50, P99 time.Duration
	Errors   int
	FirstErr error
	// SrvBusy and GenBusy are how busy (fraction of one core) the measured
	// process and the load generator were; SrvPerOp is the measured
	// process's CPU time per operation. Medians over the runs.
	SrvBusy, GenBusy float64
	SrvPerOp         time.Duration
	// Lost is the median fraction of the server or the load core (the
	// larger) taken by steal and other processes during the kept runs; Discarded counts the runs
	// measured again because more than MaxLost was taken.
	Lost      float64
	Discarded int
	// Limit is the machine limit the figure is compared with ("" none).
	Limit     string
	LimitRate float64
}

// Fraction is Rate over LimitRate, or NaN without a limit.
func (f Figure) Fraction() float64 {
	if f.LimitRate <= 0 {
		return math.NaN()
	}
	return f.Rate / f.LimitRate
}

// Measure warms l up, then runs it p.Runs times and keeps the medians.
// Progress goes to progress.
func Measure(ctx context.Context, p Plan, l Load, progress io.Writer) (Figure, error) {
	client := NewHTTPClient(l.Conc)
	defer client.CloseIdleConnections()
	rate := l.Guess
	if rate <= 0 {
		rate = 2000
	}
	f := Figure{Name: l.Name, Conc: l.Conc}
	if l.Wrk != nil && l.Op != nil {
		// wrk checks only the status; the op checks the answer once.
		if err := l.Op(ctx, &Worker{Client: client, Rand: newRand()}); err != nil {
			return f, fmt.Errorf("%s: check before the load: %w", l.Name, err)
		}
	}
	var p50s, p99s, perOps []time.Duration
	var srvBusy, genBusy, lost []float64
	for run := 0; run <= p.Runs; run++ {
		d := p.Duration
		if run == 0 {
			d = p.Warmup
		}
		if l.Before != nil {
			need := int(math.Ceil(rate*d.Seconds()*1.3)) + 100
			if err := l.Before(ctx, need); err != nil {
				return f, fmt.Errorf("%s: preparing: %w", l.Name, err)
			}
		}
		stop := func() {}
		if run == 1 && p.Profile != nil {
			stop = p.Profile(fmt.Sprintf("%s c=%d", l.Name, l.Conc))
		}
		pid := 0
		if p.PID != nil {
			pid = p.PID()
		}
		cpu := startCPU(pid, p.ExtraCPU)
		var s Sample
		var wrkCPU time.Duration
		if l.Wrk != nil {
			s, wrkCPU = DriveWrk(ctx, *l.Wrk, l.Conc, d)
		} else {
			s = Drive(ctx, client, l.Conc, d, l.Op, l.States)
		}
		sb, gb, po := cpu.stop(s.Ops, wrkCPU)
		lo := cpu.lost(wrkCPU)
		stop()
		if ctx.Err() != nil {
			return f, ctx.Err()
		}
		if s.Ops == 0 {
			return f, fmt.Errorf("%s: no operation succeeded (%d failed): %v", l.Name, s.Errors, s.FirstErr)
		}
		if s.Rate() > 0 {
			rate = s.Rate()
		}
		if run == 0 {
			continue
		}
		if lo > MaxLost && f.Discarded < p.Runs {
			f.Discarded++
			fmt.Fprintf(progress, "    run disturbed (%.0f%% of a core stolen or used by other processes): measuring again\n", 100*lo)
			run--
			continue
		}
		lost = append(lost, lo)
		f.Runs = append(f.Runs, s.Rate())
		p50s, p99s = append(p50s, s.P50), append(p99s, s.P99)
		srvBusy, genBusy, perOps = append(srvBusy, sb), append(genBusy, gb), append(perOps, po)
		f.Errors += s.Errors
		if f.FirstErr == nil {
			f.FirstErr = s.FirstErr
		}
	}
	f.Rate = median(f.Runs)
	f.P50, f.P99 = median(p50s), median(p99s)
	f.SrvBusy, f.GenBusy, f.SrvPerOp, f.Lost = median(srvBusy), median(genBusy), median(perOps), median(lost)
	fmt.Fprintf(progress, "  %-40s c=%-3d %8.0f/s  p50 %7.3f ms  p99 %7.3f ms  cpu srv %3.0f%% (%4.0f us/op) gen %3.0f%% lost %2.0f%%  runs %s\n",
		f.Name, f.Conc, f.Rate, ms(f.P50), ms(f.P99), 100*f.SrvBusy, us(f.SrvPerOp), 100*f.GenBusy, 100*f.Lost, runList(f.Runs))
	if f.Errors > 0 {
		fmt.Fprintf(progress, "    %d errors, first: %v\n", f.Errors, f.FirstErr)
	}
	return f, nil
}

// median returns the median of xs (the upper one of an even count).
func median[T int | float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func runList(rs []float64) string {
	out := ""
	for i, r := range rs {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%.0f", r)
	}
	return out
}

// newRand is a worker's random source for a single check.
func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
