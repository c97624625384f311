package diskguard

import (
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// fakeFS is a statfs fault injector: the test sets what the next check
// sees.
type fakeFS struct {
	avail    atomic.Uint64
	readOnly atomic.Bool
	calls    atomic.Int64
}

func (f *fakeFS) statfs(string) (Usage, error) {
	f.calls.Add(1)
	return Usage{Avail: f.avail.Load(), ReadOnly: f.readOnly.Load()}, nil
}

func TestGuard(t *testing.T) {
	fs := &fakeFS{}
	fs.avail.Store(100 << 20)
	var changes []*Error
	g, err := New(Config{Dir: t.TempDir(), Reserve: 10 << 20, Ahead: 8 << 20, Statfs: fs.statfs, Every: time.Hour,
		OnChange: func(e *Error) { changes = append(changes, e) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Allow(1 << 10); err != nil {
		t.Fatalf("plenty of space: %v", err)
	}

	// Admitting more than half the allocation margin wakes Run for a
	// check before the timer's (an hour here), without the caller
	// waiting for it.
	stop := make(chan struct{})
	defer close(stop)
	go g.Run(stop)
	fs.avail.Store(5 << 20)
	var refused error
	deadline := time.Now().Add(5 * time.Second)
	for refused == nil && time.Now().Before(deadline) {
		refused = g.Allow(1 << 20)
		time.Sleep(time.Millisecond)
	}
	var e *Error
	if !errors.As(refused, &e) || e.Problem != DiskFull || e.Free != 5<<20 {
		t.Fatalf("below the reserve: %v", refused)
	}
	if want := "disk almost full: 5 MB left in " + g.Dir() + " (the reserve is 10 MB)"; e.Error() != want {
		t.Errorf("message %q, want %q", e.Error(), want)
	}
	if g.Allow(0) == nil || g.Refused() == nil {
		t.Error("a refusal does not stick until the next check")
	}

	fs.avail.Store(50 << 20)
	if g.Check() != nil || g.Allow(1) != nil {
		t.Error("writes did not resume once space was freed")
	}
	fs.readOnly.Store(true)
	if e := g.Check(); e == nil || e.Problem != ReadOnly {
		t.Errorf("read-only: %v", e)
	}
	fs.readOnly.Store(false)
	g.Check()
	if len(changes) != 4 || changes[0].Problem != DiskFull || changes[1] != nil || changes[2].Problem != ReadOnly || changes[3] != nil {
		t.Errorf("OnChange calls: %v", changes)
	}
}

// A directory removed (or replaced by another) is Missing.
func TestGuardMissing(t *testing.T) {
	dir := t.TempDir()
	g, err := New(Config{Dir: dir, Reserve: 1})
	if err != nil {
		t.Fatal(err)
	}
	if g.Refused() != nil {
		t.Fatal(g.Refused())
	}
	if err := os.Rename(dir, dir+".away"); err != nil {
		t.Fatal(err)
	}
	if e := g.Check(); e == nil || e.Problem != Missing {
		t.Errorf("moved away: %v", e)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if e := g.Check(); e == nil || e.Problem != Missing {
		t.Errorf("another directory in its place: %v", e)
	}
	os.Remove(dir)
	if err := os.Rename(dir+".away", dir); err != nil {
		t.Fatal(err)
	}
	if e := g.Check(); e != nil {
		t.Errorf("back: %v", e)
	}
}
