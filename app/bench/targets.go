package bench

import (
	"fmt"
	"strings"
	"time"
)

// Target is one target of issue 11 and whether the run met it.
type Target struct {
	Name     string
	Measured string
	Met      bool
	Known    bool // false when the run did not reach the figure
}

// Verdict is MET, NOT MET or NOT MEASURED.
func (t Target) Verdict() string {
	switch {
	case !t.Known:
		return "NOT MEASURED"
	case t.Met:
		return "MET"
	}
	return "NOT MET"
}

// Evaluate compares the results with the targets; every verdict comes
// from a figure of this run.
func Evaluate(res *Results) []Target {
	var ts []Target
	fig := func(k string) (Figure, bool) { f, ok := res.Figures[k]; return f, ok }
	rate := func(name, key string, want float64) {
		f, ok := fig(key)
		m := fmt.Sprintf("%.0f/s", f.Rate)
		if f.SrvPerOp > 0 {
			m += fmt.Sprintf(" (server CPU %.0f µs/op: a whole core would give %.0f/s; core lost to others %.0f%%)",
				us(f.SrvPerOp), 1/f.SrvPerOp.Seconds(), 100*f.Lost)
		}
		ts = append(ts, Target{Name: name, Measured: m, Met: f.Rate >= want, Known: ok})
	}
	lat := func(name, key string, p99 bool, want time.Duration, strict bool) {
		f, ok := fig(key)
		d := f.P50
		if p99 {
			d = f.P99
		}
		met := d <= want
		if strict {
			met = d < want
		}
		ts = append(ts, Target{Name: name, Measured: fmt.Sprintf("%.3f ms", ms(d)), Met: met, Known: ok})
	}
	rate("client_credentials (ES256) >= 10,000/s at c=8", KeyCC+"8", 10000)
	lat("client_credentials p50 <= 0.3 ms at c=1", KeyCC+"1", false, 300*time.Microsecond, false)
	lat("client_credentials p99 < 20 ms at c=32", KeyCC+"32", true, 20*time.Millisecond, true)
	rate("introspection >= 15,000/s at c=8", KeyIntro+"8", 15000)
	lat("introspection p50 <= 0.2 ms at c=1", KeyIntro+"1", false, 200*time.Microsecond, false)
	rate("refresh rotation (durable) >= 3,000/s at c=8", KeyRefresh, 3000)
	rate("code exchange (durable) >= 3,000/s at c=8", KeyExchange, 3000)
	ratio := func(name, key string, want float64) {
		f, ok := fig(key)
		ts = append(ts, Target{Name: name, Measured: fmt.Sprintf("%.2f (%.0f/s of %.0f/s)", f.Fraction(), f.Rate, f.LimitRate),
			Met: f.Fraction() >= want, Known: ok && f.LimitRate > 0})
	}
	ratio("client_credentials (RS256) >= 0.9 of the RS256 signing limit", KeyCCRS256, 0.9)
	ratio("gateway >= 0.8 of the bare reverse proxy", KeyGateway, 0.8)
	ts = append(ts, scaleTargets(res.Scale)...)
	ts = append(ts, referenceTargets(res)...)
	if _, ok := fig(KeyPGCC); ok {
		ratio("PostgreSQL: client_credentials >= 0.8 of Badger's", KeyPGCC, 0.8)
		rate("PostgreSQL: refresh rotation (durable) >= 2,000/s per server core (Latchkey + PostgreSQL on one core)", KeyPGRefresh, 2000)
	}
	return ts
}

// referenceTargets are issue 22's: Latchkey against node-oidc-provider
// (opaque tokens, its fastest mode) measured in the same run by the same
// load generator, and the tail at c=128.
func referenceTargets(res *Results) []Target {
	var ts []Target
	fig := func(k string) (Figure, bool) { f, ok := res.Figures[k]; return f, ok }
	vs := func(name, ours, theirs string, want float64) {
		a, okA := fig(ours)
		b, okB := fig(theirs)
		r := a.Rate / b.Rate
		ts = append(ts, Target{Name: name, Met: r >= want, Known: okA && okB && b.Rate > 0,
			Measured: fmt.Sprintf("%.2fx (%.0f/s vs %.0f/s)", r, a.Rate, b.Rate)})
		ts = append(ts, Target{Name: name[:strings.Index(name, " >=")] + " p99 at c=8 <= node-oidc-provider's",
			Met: a.P99 <= b.P99, Known: okA && okB && b.P99 > 0,
			Measured: fmt.Sprintf("%.3f ms vs %.3f ms", ms(a.P99), ms(b.P99))})
	}
	vs("client_credentials (ES256 JWT) >= 2.0x node-oidc-provider (opaque) at c=8", KeyCC+"8", KeyRefCC+"8", 2.0)
	vs("introspection >= 3.0x node-oidc-provider (opaque) at c=8", KeyIntro+"8", KeyRefIntro+"8", 3.0)
	tail := func(name, key string) {
		f, ok := fig(key)
		ts = append(ts, Target{Name: name, Met: f.P99 <= 5*f.P50, Known: ok && f.P50 > 0,
			Measured: fmt.Sprintf("p99 %.3f ms = %.1fx p50 %.3f ms", ms(f.P99), float64(f.P99)/float64(f.P50), ms(f.P50))})
	}
	tail("client_credentials p99 <= 5x p50 at c=128", KeyCC+"128")
	tail("introspection p99 <= 5x p50 at c=128", KeyIntro+"128")
	if pts := res.Scale; len(pts) >= 2 {
		lo, hi := pts[0], pts[len(pts)-1]
		r := float64(hi.RSS) / float64(lo.RSS)
		ts = append(ts, Target{Name: fmt.Sprintf("RSS with %s records <= 1.5x RSS with %s (medians under load)", count(hi.Records), count(lo.Records)),
			Met: r <= 1.5, Known: lo.RSS > 0 && hi.RSS > 0,
			Measured: fmt.Sprintf("%.2fx (%.0f MB vs %.0f MB; peaks %.0f vs %.0f, at the end %.0f vs %.0f)", r, mb(hi.RSS), mb(lo.RSS),
				mb(hi.RSSPeak), mb(lo.RSSPeak), mb(hi.RSSEnd), mb(lo.RSSEnd))})
	}
	return ts
}

// scaleTargets: no figure worse by more than 10% from the smallest to the
// largest size, and RSS growth within the records' own size.
func scaleTargets(pts []ScalePoint) []Target {
	if len(pts) < 2 {
		return []Target{{Name: "scale figures (needs two sizes)"}}
	}
	lo, hi := pts[0], pts[len(pts)-1]
	span := fmt.Sprintf("%s -> %s records", count(lo.Records), count(hi.Records))
	var ts []Target
	for _, c := range []struct {
		name   string
		lo, hi Figure
	}{{"client_credentials", lo.CC, hi.CC}, {"introspection", lo.Intro, hi.Intro}, {"revocation", lo.Revoke, hi.Revoke}} {
		change := c.hi.Rate/c.lo.Rate - 1
		p50 := float64(c.hi.P50)/float64(c.lo.P50) - 1
		ts = append(ts, Target{Name: fmt.Sprintf("%s worsens <= 10%%, %s", c.name, span),
			Measured: fmt.Sprintf("rate %+.1f%% (%.0f -> %.0f/s), p50 %+.1f%%, server CPU %.0f -> %.0f µs/op",
				100*change, c.lo.Rate, c.hi.Rate, 100*p50, us(c.lo.SrvPerOp), us(c.hi.SrvPerOp)),
			Met: change >= -0.10, Known: c.lo.Rate > 0})
	}
	grow, size := hi.RSS-lo.RSS, hi.StoreBytes-lo.StoreBytes
	ts = append(ts, Target{Name: "RSS growth <= the records' size, " + span,
		Measured: fmt.Sprintf("RSS %+.1f MB, records %+.1f MB on disk", mb(grow), mb(size)),
		Met:      grow <= size, Known: hi.RSS > 0})
	return ts
}
