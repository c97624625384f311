package audit

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// BenchmarkPostgresRecord measures what a buffered token.issued event
// costs on PostgreSQL at a given batch size: Latchkey's CPU per event
// (the writer and pgx) and the database's (every process of the
// package's private cluster, so its backends, WAL writer and
// autovacuum), for issue 19's client_credentials figure, where the audit
// event is the only write. The events are queued in bursts of the batch
// size and each burst is committed as one batch, as the writer does at
// c=8 with about that many requests in flight (no linger: the batch
// size is the benchmark's).
func BenchmarkPostgresRecord(b *testing.B) {
	for _, size := range []int{8, 16, 32, 64} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			l := openPG(b, Options{Retention: -1, MaxBatch: size, linger: -1})
			ctx := WithRequest(context.Background(), RequestInfo{ID: "req-0123456789", RemoteIP: "127.0.0.1", UserAgent: "wrk"})
			pm, err := pgtest.Shared(b).PID()
			if err != nil {
				b.Fatal(err)
			}
			if err := l.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			own, db, batches := cpuTime(b), clusterCPU(b, pm), l.Stats().Batches
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l.Record(ctx, Event{Type: TokenIssued, Outcome: Success, Actor: "svc-client", Subject: "svc-client", ClientID: "svc-client",
					Details: map[string]any{"jti": fmt.Sprintf("jti-%012d", i), "grant_type": "client_credentials", "scope": "orders:read", "refresh_token": false}})
				if (i+1)%size == 0 {
					waitQueued(l)
				}
			}
			if err := l.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuTime(b)-own)/float64(b.N), "cpu-ns/event")
			b.ReportMetric(float64(clusterCPU(b, pm)-db)/float64(b.N), "pg-cpu-ns/event")
			if n := l.Stats().Batches - batches; n > 0 {
				b.ReportMetric(float64(b.N)/float64(n), "events/batch")
			}
		})
	}
}

// waitQueued waits until the writer has taken every queued event.
func waitQueued(l *Log) {
	for len(l.queue) > 0 {
		time.Sleep(20 * time.Microsecond)
	}
}

// clusterCPU is the CPU time of the postmaster pid and every process it
// runs or has reaped (/proc/PID/stat utime, stime, cutime, cstime).
func clusterCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	total := statCPU(b, pid, true)
	kids, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range strings.Fields(string(kids)) {
		if k, err := strconv.Atoi(f); err == nil {
			total += statCPU(b, k, false)
		}
	}
	return total
}

// statCPU reads a process's utime+stime (and its reaped children's).
func statCPU(b *testing.B, pid int, reaped bool) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0 // a child that just exited
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	n := 2 // fields 14, 15 (utime, stime) are f[11], f[12]
	if reaped {
		n = 4
	}
	var ticks int64
	for _, s := range f[11 : 11+n] {
		v, _ := strconv.ParseInt(s, 10, 64)
		ticks += v
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}
