package audit

import (
	"context"
	"fmt"
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
			if err := l.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			own, db, batches := cpuTime(b), clusterCPU(b), l.Stats().Batches
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
			b.ReportMetric(float64(clusterCPU(b)-db)/float64(b.N), "pg-cpu-ns/event")
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

// clusterCPU is the CPU time of the package's PostgreSQL cluster.
func clusterCPU(b *testing.B) time.Duration {
	t, err := pgtest.Shared(b).CPU()
	if err != nil {
		b.Fatal(err)
	}
	return t
}
