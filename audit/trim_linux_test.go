package audit

import (
	"context"
	"testing"

	"github.com/latchkey/latchkey/internal/tabletrim"
)

// The audit log on disk trims the pages of its table files that reads
// mapped (internal/tabletrim), and every event still verifies; in memory
// it has no trimmer.
func TestBadgerTrimsTablePages(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n = 20000
	for range n {
		l.Record(ctx, Event{Type: AdminAction, Outcome: Success, Actor: "admin", Reason: "a reason long enough to fill some blocks"})
	}
	if err := l.Close(); err != nil { // writes the memtable into a table file
		t.Fatal(err)
	}
	if l, err = Open(Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	b := l.b.(*badgerBackend)
	if b.trim == nil {
		t.Fatal("the audit log on disk has no trimmer")
	}
	if r, err := l.Verify(ctx); err != nil || !r.OK || r.Checked != n {
		t.Fatalf("verify = %+v, %v", r, err)
	}
	resolved := tabletrim.ResolvedDir(dir)
	if got, err := tabletrim.Resident(resolved); err != nil || got == 0 {
		t.Fatalf("after a verify of %d events, %d bytes of the tables are resident (%v)", n, got, err)
	}
	if got := b.trim.TrimNow(); got == 0 {
		t.Fatal("the trimmer trimmed no mapping")
	}
	if got, err := tabletrim.Resident(resolved); err != nil || got != 0 {
		t.Errorf("after the trim, %d bytes of the tables are resident (%v)", got, err)
	}
	if r, err := l.Verify(ctx); err != nil || !r.OK || r.Checked != n {
		t.Errorf("verify after the trim = %+v, %v", r, err)
	}
	if mem := openBadgerMem(t, Options{}); mem.b.(*badgerBackend).trim != nil {
		t.Error("the audit log in memory has a trimmer")
	}
}
