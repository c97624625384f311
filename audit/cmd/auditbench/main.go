// Command auditbench fills an audit log with synthetic events (one million
// by default) and prints how long filtered queries take on it.
//
//	go run ./audit/cmd/auditbench -dir /tmp/auditbench -n 1000000
//
// The database is kept in -dir and reused on the next run when it already
// holds -n events, so the fill (which measures Record throughput) is paid
// once.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"time"

	"github.com/latchkey/latchkey/audit"
)

func main() {
	dir := flag.String("dir", os.TempDir()+"/auditbench", "database directory")
	n := flag.Int("n", 1_000_000, "events to store")
	runs := flag.Int("runs", 7, "timed runs per query")
	worst := flag.Bool("worst", false, "also time once an expression-only filter that matches nothing (a full scan)")
	flag.Parse()
	if err := run(*dir, *n, *runs, *worst); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// base is the time of the first synthetic event; events span 30 days.
var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func run(dir string, n, runs int, worst bool) error {
	log, err := audit.Open(audit.Options{Dir: dir, Retention: -1, BufferSize: 8192, MaxBatch: 1024})
	if err != nil {
		return err
	}
	defer log.Close()
	ctx := context.Background()
	have := log.Stats().HeadSeq
	if have < uint64(n) {
		if err := fill(ctx, log, int(have), n); err != nil {
			return err
		}
	}
	fmt.Printf("events stored: %d\n", log.Stats().HeadSeq)
	span := 30 * 24 * time.Hour
	mid := base.Add(span / 2)
	queries := []struct {
		name string
		f    audit.Filter
	}{
		{"newest 100, no filter", audit.Filter{}},
		{"type=login.failed", audit.Filter{Types: []audit.Type{audit.LoginFailed}}},
		{"types=token.issued|token.refreshed, client=client-7", audit.Filter{Types: []audit.Type{audit.TokenIssued, audit.TokenRefreshed}, ClientID: "client-7"}},
		{"subject=user-123 (rare)", audit.Filter{Subject: "user-123"}},
		{"outcome=failure, ip=198.51.100.42", audit.Filter{Outcome: audit.Failure, RemoteIP: "198.51.100.42"}},
		{"client=client-3, 1-day window mid-range", audit.Filter{ClientID: "client-3", From: mid, To: mid.Add(24 * time.Hour)}},
		{`type=token.issued, expr details.scope%"*admin*"`, audit.Filter{Types: []audit.Type{audit.TokenIssued}, Expr: `details.scope%"*admin*"`}},
		{`expr only details.scope%"*admin*"`, audit.Filter{Expr: `details.scope%"*admin*"`}},
		{"type=client.auth_failed, client=client-9, subject=user-77 (very rare)", audit.Filter{Types: []audit.Type{audit.ClientAuthFailed}, ClientID: "client-9", Subject: "user-77"}},
	}
	fmt.Printf("%-72s %6s %9s %9s %9s\n", "filtered page of 100 over the log", "rows", "cold ms", "median ms", "max ms")
	for _, q := range queries {
		q.f.Limit = 100
		var times []time.Duration
		var rows int
		for i := 0; i < runs; i++ {
			t0 := time.Now()
			page, err := log.Query(ctx, q.f)
			if err != nil {
				return err
			}
			times = append(times, time.Since(t0))
			rows = len(page.Entries)
			if i == 0 && page.Next != "" { // and the second page, through the cursor
				f := q.f
				f.Cursor = page.Next
				t1 := time.Now()
				if _, err := log.Query(ctx, f); err != nil {
					return err
				}
				d := ms(time.Since(t1))
				defer fmt.Printf("  second page of %q via cursor: %.2f ms\n", q.name, d)
			}
		}
		cold := times[0]
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		fmt.Printf("%-72s %6d %9.2f %9.2f %9.2f\n", q.name, rows, ms(cold), ms(times[len(times)/2]), ms(times[len(times)-1]))
	}
	if worst {
		t0 := time.Now()
		page, err := log.Query(ctx, audit.Filter{Expr: `details.scope=="nope"`})
		if err != nil {
			return err
		}
		fmt.Printf("worst case, expr only matching none of %d (full scan): %d rows in %.0f ms\n",
			log.Stats().HeadSeq, len(page.Entries), ms(time.Since(t0)))
	}
	t0 := time.Now()
	r, err := log.Verify(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("verify: ok=%v checked=%d events, %d index entries in %.1f s\n", r.OK, r.Checked, r.Indexed, time.Since(t0).Seconds())
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// fill records events from index have to n with Record (the buffered,
// batched path) and prints the throughput.
func fill(ctx context.Context, log *audit.Log, have, n int) error {
	r := rand.New(rand.NewSource(int64(have)))
	types := []audit.Type{audit.TokenIssued, audit.TokenIssued, audit.TokenIssued, audit.TokenRefreshed,
		audit.TokenRefreshed, audit.LoginSucceeded, audit.LoginFailed, audit.GatewayDenied,
		audit.TokenRevoked, audit.ClientAuthFailed, audit.ConsentGranted, audit.RateLimitHit}
	scopes := []string{"openid", "openid profile", "openid admin", "api:read", "api:write admin:keys"}
	step := 30 * 24 * time.Hour / time.Duration(n)
	t0 := time.Now()
	for i := have; i < n; i++ {
		typ := types[r.Intn(len(types))]
		e := audit.Event{
			Time: base.Add(time.Duration(i) * step), Type: typ, Outcome: audit.Success,
			ClientID:  fmt.Sprintf("client-%d", r.Intn(50)),
			Subject:   fmt.Sprintf("user-%d", r.Intn(5000)),
			RemoteIP:  fmt.Sprintf("198.51.100.%d", r.Intn(250)),
			RequestID: fmt.Sprintf("req-%d", i),
			Details:   map[string]any{"scope": scopes[r.Intn(len(scopes))], "jti": fmt.Sprintf("%016x", r.Uint64())},
		}
		if typ == audit.LoginFailed || typ == audit.GatewayDenied || typ == audit.ClientAuthFailed {
			e.Outcome, e.Reason = audit.Failure, "invalid_grant"
		}
		log.Record(ctx, e)
		if (i+1)%100_000 == 0 {
			fmt.Printf("  recorded %d (%.0f events/s)\n", i+1, float64(i+1-have)/time.Since(t0).Seconds())
		}
	}
	if err := log.Flush(ctx); err != nil {
		return err
	}
	el := time.Since(t0)
	fmt.Printf("fill: %d events in %.1f s = %.0f events/s through Record (batched, SyncWrites on)\n",
		n-have, el.Seconds(), float64(n-have)/el.Seconds())
	return nil
}
