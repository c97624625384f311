package audit

import (
	"context"
	"sync"
	"testing"
	"time"
)

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
