package audit

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRecordConcurrent measures what a buffered event costs the
// server: eight goroutines Record token.issued events (as the token
// endpoint does at c=8) into an encrypted log on disk, and the writer
// commits them. Run it as `latchkey serve` runs, on one processor
// (-cpu 1). It reports the process's CPU time per event (the writer's
// and Badger's work included, which ns/op, the callers' wall time, does
// not show) and the events per transaction.
func BenchmarkRecordConcurrent(b *testing.B) {
	l, ctx := benchLog(b)
	b.ReportAllocs()
	recordFromProducers(b, l, ctx, 0, nil)
}

// recordFromProducers has eight producers Record b.N token.issued events
// between them, each calling between (if set) before every event, then
// flushes, and reports the process's CPU per event less perWork per
// event (the producers' own work) and the events per transaction.
func recordFromProducers(b *testing.B, l *Log, ctx context.Context, perWork time.Duration, between func()) {
	const producers = 8
	before, batches := cpuTime(b), l.Stats().Batches
	b.ResetTimer()
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := p; i < b.N; i += producers {
				if between != nil {
					between()
				}
				l.Record(ctx, Event{Type: TokenIssued, Outcome: Success, Actor: "svc-client", ClientID: "svc-client",
					Details: map[string]any{"jti": fmt.Sprintf("jti-%012d", i), "grant_type": "client_credentials", "scope": "orders:read", "refresh_token": false}})
			}
		}()
	}
	wg.Wait()
	if err := l.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-before-time.Duration(b.N)*perWork)/float64(b.N), "cpu-ns/event")
	if n := l.Stats().Batches - batches; n > 0 {
		b.ReportMetric(float64(b.N)/float64(n), "events/batch")
	}
}

// benchLog opens an encrypted log on disk, closed when b ends, and the
// request context a token request records under.
func benchLog(b *testing.B) (*Log, context.Context) {
	l, err := Open(Options{Dir: b.TempDir(), EncryptionKey: make([]byte, 32)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l, WithRequest(context.Background(), RequestInfo{ID: "req-0123456789", RemoteIP: "127.0.0.1", UserAgent: "wrk"})
}

// cpuTime is the CPU time the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRecordBetweenWork is BenchmarkRecordConcurrent with the
// producers working between two events, as requests do (about 200 µs of
// CPU each at c=8): the writer then competes with them for the processor
// and takes what has been queued since it last ran. cpu-ns/event leaves
// the producers' work out; events/batch shows how well concurrent
// requests share a transaction.
func BenchmarkRecordBetweenWork(b *testing.B) {
	l, ctx := benchLog(b)
	var sink atomic.Uint64
	c0 := cpuTime(b)
	for range 100 {
		sink.Add(work(150_000))
	}
	perWork := (cpuTime(b) - c0) / 100
	recordFromProducers(b, l, ctx, perWork, func() {
		runtime.Gosched() // a request blocks on its connection between two
		sink.Add(work(150_000))
	})
}

// work spins n steps (150,000 take about 200 µs here) and returns a
// value the compiler cannot drop.
func work(n int) uint64 {
	var x uint64
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}
