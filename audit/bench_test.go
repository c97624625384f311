package audit

import (
	"context"
	"fmt"
	"sync"
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
	l, err := Open(Options{Dir: b.TempDir(), EncryptionKey: make([]byte, 32)})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := WithRequest(context.Background(), RequestInfo{ID: "req-0123456789", RemoteIP: "127.0.0.1", UserAgent: "wrk"})
	const producers = 8
	b.ReportAllocs()
	before, batches := cpuTime(b), l.Stats().Batches
	b.ResetTimer()
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := p; i < b.N; i += producers {
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
	b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N), "cpu-ns/event")
	if n := l.Stats().Batches - batches; n > 0 {
		b.ReportMetric(float64(b.N)/float64(n), "events/batch")
	}
}

// cpuTime is the CPU time the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
