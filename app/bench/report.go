package bench

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Print writes the machine, the table of figures (a Markdown table, so
// BENCHMARKS.md can hold it as printed) and the targets' verdicts.
func Print(w io.Writer, res *Results, command string) {
	fmt.Fprintf(w, "\nMachine\n%s", res.Machine)
	fmt.Fprintf(w, "Server:  %s\nCommand: %s\n\n", res.Version, command)
	t := &table{w: w}
	t.header()
	l := res.Limits
	t.section("machine limits, same run")
	for _, f := range []Figure{l.ES256, l.EdDSA, l.RS256} {
		t.row(f, "")
	}
	t.row(l.Write, "rate = 1/p50, no sync shared")
	t.row(l.Bare1, "child process, 1 core")
	t.row(l.Bare, "child process, 1 core")
	t.row(l.Proxy, "child process, 1 core, same upstream")
	t.group(res, "ref-", "node-oidc-provider 9.13.3: 1 core, in-memory adapter, same load generator (wrk)")
	t.section("Latchkey: 1 core, ES256, audit on, synced store")
	for _, k := range res.Order {
		if strings.HasPrefix(k, "ref-") || strings.HasPrefix(k, "pg-") || strings.HasPrefix(k, "nodes") {
			continue
		}
		f := res.Figures[k]
		if k == KeyServerRSS {
			fmt.Fprintf(w, "| %s | | | | | | | | | %.0f MB |\n", f.Name, mb(int64(f.Rate)))
			continue
		}
		t.row(f, "")
	}
	t.group(res, "pg-", "Latchkey on PostgreSQL 15 (private cluster, fsync on): Latchkey and the database on 1 core, server CPU counts both")
	t.group(res, "nodes", "several nodes on one PostgreSQL database: every node and the database share the 1 server core, so each figure is per server core "+
		"(what the nodes cost each other through the database), not the capacity of that many machines; server CPU counts every node and the database")
	if len(res.Scale) > 0 {
		t.section("scale: live records in the store (c=8)")
	}
	for _, pt := range res.Scale {
		note := fmt.Sprintf("RSS median %.0f MB (anon %.0f, file %.0f), peak %.0f, at the end %.0f; store %.0f MB",
			mb(pt.RSS), mb(pt.RSSAnon), mb(pt.RSSFile), mb(pt.RSSPeak), mb(pt.RSSEnd), mb(pt.StoreBytes))
		for _, f := range []Figure{pt.CC, pt.Intro, pt.Revoke} {
			t.row(f, note)
			note = ""
		}
	}
	if a := res.Audit; a.Events > 0 {
		t.section("audit log")
		fmt.Fprintf(w, "| audit: events written (Record, batched, synced) | | %.0f | | | | | | | %s events, in lkbench's process |\n", a.WriteRate, count(a.Events))
		fmt.Fprintf(w, "| audit: filtered page of 100 over %s events | | | %.2f | | | | | | median of %d filters; slowest %.2f ms (%s) |\n",
			count(a.Events), ms(a.QueryP50), len(auditQueries), ms(a.QueryWorst), a.WorstFilter)
	}
	fmt.Fprintf(w, "\nTargets (per core)\n\n")
	for _, tg := range Evaluate(res) {
		fmt.Fprintf(w, "- %-12s %s: %s\n", tg.Verdict(), tg.Name, tg.Measured)
	}
}

type table struct{ w io.Writer }

func (t *table) header() {
	fmt.Fprintln(t.w, "| figure | c | ops/s | p50 ms | p99 ms | server core busy | server CPU µs/op | load core busy | core lost | vs limit |")
	fmt.Fprintln(t.w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")
}

func (t *table) section(name string) { fmt.Fprintf(t.w, "| **%s** | | | | | | | | | |\n", name) }

func (t *table) row(f Figure, note string) {
	if f.Name == "" {
		return
	}
	vs := note
	if fr := f.Fraction(); !math.IsNaN(fr) {
		vs = strings.TrimSpace(fmt.Sprintf("%.2f of %s (%.0f/s) %s", fr, f.Limit, f.LimitRate, note))
	}
	if f.Errors > 0 {
		vs += fmt.Sprintf(" [%d errors: %v]", f.Errors, f.FirstErr)
	}
	p99 := ""
	if f.P99 > 0 {
		p99 = fmt.Sprintf("%.3f", ms(f.P99))
	}
	busy := func(x float64) string {
		if x <= 0 {
			return ""
		}
		return fmt.Sprintf("%.0f%%", 100*x)
	}
	perOp := ""
	if f.SrvPerOp > 0 {
		perOp = fmt.Sprintf("%.0f", us(f.SrvPerOp))
	}
	if f.Discarded > 0 {
		vs += fmt.Sprintf(" (%d disturbed runs redone)", f.Discarded)
	}
	fmt.Fprintf(t.w, "| %s | %d | %.0f | %.3f | %s | %s | %s | %s | %s | %s |\n",
		f.Name, f.Conc, f.Rate, ms(f.P50), p99, busy(f.SrvBusy), perOp, busy(f.GenBusy), busy(f.Lost), vs)
}

// group prints the figures whose keys start with prefix under a section.
func (t *table) group(res *Results, prefix, section string) {
	first := true
	for _, k := range res.Order {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if first {
			t.section(section)
			first = false
		}
		t.row(res.Figures[k], "")
	}
}
