// Package bench is Latchkey's benchmark program, lkbench (docs/architecture.md:
// "benchmarks are programs that print figures, never timed tests").
//
// It measures a real `latchkey serve` process over loopback, pinned to one
// core with GOMAXPROCS=1, while the load generator runs pinned to the
// other core, and compares each figure with the machine's own limits
// measured in the same run: JWT signatures per second, a bare net/http
// handler, a bare httputil.ReverseProxy, and one synced Badger write. It
// prints the machine, one table of figures (median of several runs, with
// p50 and p99 latency), and whether each target of issue 11 is met.
//
// The package owns no server code: it drives the binary it is given
// (-bin), prepares clients, a user and a gateway route through the admin
// CLI before the server starts, and, for the scale figures, fills the
// store directly, through the OpenStore lkbench gives it (Badger), in a child process
// (populate mode) while no server holds the data directory.
//
// The same program runs its helper processes by re-executing itself
// with a hidden -child flag: the bare handler, the bare reverse proxy and
// the populate mode. See BENCHMARKS.md at the repository root.
package bench
