package audit

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// switchGate refuses while closed is set.
type switchGate struct{ closed atomic.Bool }

var errFull = errors.New("disk almost full")

func (g *switchGate) Allow(int) error {
	if g.closed.Load() {
		return errFull
	}
	return nil
}

// While the Gate refuses, nothing reaches Badger: RecordSync says so,
// buffered events are counted lost, and Close leaves the synced log to be
// replayed instead of flushing through a memory map. Writes resume with
// the Gate.
func TestGateRefusesWrites(t *testing.T) {
	dir := t.TempDir()
	gate := &switchGate{}
	l, err := Open(Options{Dir: dir, Gate: gate})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.RecordSync(ctx, Event{Type: TokenRevoked}); err != nil {
		t.Fatal(err)
	}
	gate.closed.Store(true)
	if err := l.RecordSync(ctx, Event{Type: TokenRevoked}); !errors.Is(err, errFull) {
		t.Errorf("RecordSync while refused: %v", err)
	}
	l.Record(ctx, Event{Type: TokenIssued})
	if err := l.Flush(ctx); !errors.Is(err, errFull) {
		t.Errorf("Flush while refused: %v", err)
	}
	if s := l.Stats(); s.Recorded != 1 || s.Lost != 2 {
		t.Errorf("stats while refused: %+v", s)
	}
	gate.closed.Store(false)
	if err := l.RecordSync(ctx, Event{Type: TokenRevoked}); err != nil {
		t.Errorf("after the gate opened: %v", err)
	}
	gate.closed.Store(true)
	if err := l.Close(); !errors.Is(err, errFull) {
		t.Errorf("Close while refused: %v", err)
	}
	// The process would exit now, releasing Badger's lock: reopen a copy.
	cp := filepath.Join(t.TempDir(), "audit")
	// cp keeps the 2 GiB value log sparse; os.CopyFS would write it out.
	if out, err := exec.Command("cp", "-a", dir, cp).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	os.Remove(filepath.Join(cp, "LOCK"))
	l, err = Open(Options{Dir: cp})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	page, err := l.Query(ctx, Filter{})
	if err != nil || len(page.Entries) != 2 {
		t.Errorf("after reopening: %d events, %v; want the 2 written", len(page.Entries), err)
	}
}
