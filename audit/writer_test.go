package audit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWriterYieldsBetweenBatches: a queue that filled while the writer
// was held up is committed in batches of at most MaxBatch events, and the
// writer gives the processor away between them, so that on one processor
// the requests run between two batches instead of waiting for the whole
// queue (issue 22's p99: 512-event batches after a stall).
func TestWriterYieldsBetweenBatches(t *testing.T) {
	var yields atomic.Int64
	l := openBadgerMem(t, Options{BufferSize: 1024, yield: func() { yields.Add(1) }})
	gate := make(chan struct{})
	var once sync.Once
	l.AddObserver(ObserverFunc(func(Event) { once.Do(func() { <-gate }) }))
	l.Record(context.Background(), Event{Type: TokenIssued, Outcome: Success})
	const queued = 640
	for i := 0; i < queued; i++ {
		l.Record(context.Background(), Event{Type: TokenIssued, Outcome: Success, Details: map[string]any{"i": i}})
	}
	before := l.Stats().Batches
	close(gate)
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	if st.Recorded != queued+1 || st.Lost != 0 {
		t.Fatalf("stats = %+v, want %d recorded, none lost", st, queued+1)
	}
	if n, want := st.Batches-before, uint64(queued/64); n < want {
		t.Errorf("%d queued events went in %d transactions, want batches of at most 64 (at least %d)", queued, n, want)
	}
	if y := yields.Load(); y < queued/64-1 {
		t.Errorf("the writer yielded %d times over %d queued events, want once between batches (at least %d)", y, queued, queued/64-1)
	}
}

// TestCommitsGoOnDuringASync: the writer commits while a sync of the log
// is under way. Badger's DB.Sync, which the log called before, holds the
// database's lock through its msync, and Badger's write loop needs that
// lock: a slow disk stopped every commit for as long (243 ms in a trace
// under load), and the events queued meanwhile then held the processor.
func TestCommitsGoOnDuringASync(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hold := func(dir string) error {
		once.Do(func() { close(entered); <-release })
		return nil
	}
	l, err := Open(Options{Dir: t.TempDir(), syncLogs: hold})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	synced := make(chan error, 1)
	go func() { synced <- l.b.sync() }()
	<-entered
	l.Record(context.Background(), Event{Type: TokenIssued, Outcome: Success})
	deadline := time.Now().Add(5 * time.Second)
	for l.Stats().Recorded == 0 {
		if time.Now().After(deadline) {
			close(release)
			t.Fatal("no event was committed while a sync was under way")
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	if err := <-synced; err != nil {
		t.Fatal(err)
	}
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}
