package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// Plan is how long and how often each figure is measured.
type Plan struct {
	Warmup   time.Duration // one untimed run first
	Duration time.Duration // each timed run
	Runs     int           // timed runs; the figure is their median
}

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
	var p50s, p99s []time.Duration
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
		s := Drive(ctx, client, l.Conc, d, l.Op, l.States)
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
		f.Runs = append(f.Runs, s.Rate())
		p50s, p99s = append(p50s, s.P50), append(p99s, s.P99)
		f.Errors += s.Errors
		if f.FirstErr == nil {
			f.FirstErr = s.FirstErr
		}
	}
	f.Rate = median(f.Runs)
	f.P50, f.P99 = median(p50s), median(p99s)
	fmt.Fprintf(progress, "  %-34s c=%-3d %9.0f/s  p50 %7.3f ms  p99 %7.3f ms  runs %s\n",
		f.Name, f.Conc, f.Rate, ms(f.P50), ms(f.P99), runList(f.Runs))
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
