package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/walsync"
)

// marked is an event of the tail tests: its reason marks its line in the
// value log, and it is longer than valueThreshold.
func marked(i int) Event {
	return Event{Type: TokenIssued, Outcome: Success, ClientID: "app", Reason: fmt.Sprintf("marker-%03d", i),
		Details: map[string]any{"scope": strings.Repeat("s", 200)}}
}

// newestValueLog is the path of the value log file with the highest
// number in dir.
func newestValueLog(t *testing.T, dir string) string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.vlog"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no value log in %s (%v)", dir, err)
	}
	slices.Sort(names) // "%06d.vlog": names sort as numbers
	return names[len(names)-1]
}

// TestRecordSyncSyncsValueLog: an event's line goes to the value log and
// only its pointer to the memtable's log, and a durable record fsyncs
// both: the value log's newest file and the memtables' logs.
func TestRecordSyncSyncsValueLog(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	var synced []string
	note := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		synced = append(synced, s)
	}
	l, err := Open(Options{Dir: dir,
		onValueLogSync: func(name string) { note(filepath.Base(name)) },
		syncLogs: func(dir string) error {
			note("mem")
			return walsync.SyncLogs(dir)
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	mu.Lock()
	synced = nil
	mu.Unlock()
	if err := l.RecordSync(context.Background(), marked(1)); err != nil {
		t.Fatal(err)
	}
	vlog := newestValueLog(t, dir)
	mu.Lock()
	got := slices.Clone(synced)
	mu.Unlock()
	if !slices.Contains(got, filepath.Base(vlog)) || !slices.Contains(got, "mem") {
		t.Fatalf("synced %v: want %s and the memtables' logs", got, filepath.Base(vlog))
	}
	data, err := os.ReadFile(vlog)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("marker-001")) {
		t.Errorf("the event's line is not in the value log %s", vlog)
	}
	mems, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	for _, m := range mems {
		data, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("marker-001")) {
			t.Errorf("the event's line is in the memtable's log %s: want only its pointer", m)
		}
	}
}

// cutValueLog fills a log in dir with n events, the ones before from
// each synced in a commit of its own and the rest in one or more later
// commits, closes it, and cuts its value log inside the first of those
// later commits, as a power cut can leave it when the pages of the
// memtable's log reached the disk and the value log's did not. (Badger
// writes a commit's lines in no particular order, and cuts a value log
// back to its last whole commit when it opens.)
func cutValueLog(t *testing.T, dir string, n, from int) {
	t.Helper()
	cutValueLogAt(t, dir, n, from, nil)
}

// cutValueLogAt is cutValueLog with the log's clock, which it moves a
// minute on before the last event when c is not nil.
func cutValueLogAt(t *testing.T, dir string, n, from int, c *clock) {
	t.Helper()
	opt := Options{Dir: dir}
	if c != nil {
		opt.Now = c.Now
	}
	l, err := Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 1; i < from; i++ {
		if err := l.RecordSync(ctx, marked(i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := from; i <= n; i++ {
		if i == n && c != nil {
			c.Add(time.Minute)
		}
		l.Record(ctx, marked(i))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	vlog := newestValueLog(t, dir)
	data, err := os.ReadFile(vlog)
	if err != nil {
		t.Fatal(err)
	}
	cut := len(data)
	for i := from; i <= n; i++ {
		at := bytes.Index(data, []byte(fmt.Sprintf("marker-%03d", i)))
		if at < 0 {
			t.Fatalf("event %d is not in %s", i, vlog)
		}
		cut = min(cut, at-5)
	}
	for i := 1; i < from; i++ {
		if at := bytes.Index(data, []byte(fmt.Sprintf("marker-%03d", i))); at < 0 || at > cut {
			t.Fatalf("synced event %d is at %d in %s, want before the cut at %d", i, at, vlog, cut)
		}
	}
	if err := os.Truncate(vlog, int64(cut)); err != nil {
		t.Fatal(err)
	}
}

// TestPowerCutLosesOnlyTheUnsyncedEnd: events whose lines the value log
// lost at its end are gone after the restart, the rest of the log
// verifies, its indexes answer without pointing at the lost ones, and
// the chain goes on from the newest event left.
func TestPowerCutLosesOnlyTheUnsyncedEnd(t *testing.T) {
	dir := t.TempDir()
	cutValueLog(t, dir, 30, 26)
	l := openDir(t, dir)
	ctx := context.Background()
	r, err := l.Verify(ctx)
	if err != nil || !r.OK || r.Checked != 25 || r.Last != 25 {
		t.Fatalf("verify after the repair = %+v, %v; want 25 events, intact", r, err)
	}
	page, err := l.Query(ctx, Filter{ClientID: "app", Limit: 100})
	if err != nil {
		t.Fatalf("indexed query after the repair: %v", err)
	}
	if len(page.Entries) != 25 || page.Entries[0].Reason != "marker-025" {
		t.Fatalf("indexed query found %d events, the newest %q; want 25, marker-025", len(page.Entries), page.Entries[0].Reason)
	}
	if err := l.RecordSync(ctx, marked(99)); err != nil {
		t.Fatal(err)
	}
	r, err = l.Verify(ctx)
	if err != nil || !r.OK || r.Checked != 26 || r.Last != 26 {
		t.Fatalf("verify after a new event = %+v, %v; want 26 events, intact", r, err)
	}
}

// TestPowerCutOfEverything: when no event's line is left, the log starts
// again from the genesis.
func TestPowerCutOfEverything(t *testing.T) {
	dir := t.TempDir()
	cutValueLog(t, dir, 5, 1)
	l := openDir(t, dir)
	ctx := context.Background()
	if err := l.RecordSync(ctx, marked(1)); err != nil {
		t.Fatal(err)
	}
	r, err := l.Verify(ctx)
	if err != nil || !r.OK || r.Checked != 1 || r.Last != 1 {
		t.Fatalf("verify = %+v, %v; want one event, intact", r, err)
	}
}

// TestLostTailBeyondBoundRefusesToOpen: more unreadable events at the
// end than a power cut can lose is damage of another kind: Open refuses
// and deletes nothing, so a larger bound (or the operator's backup)
// still finds them all.
func TestLostTailBeyondBoundRefusesToOpen(t *testing.T) {
	dir := t.TempDir()
	cutValueLog(t, dir, 10, 6)
	old := maxTailRepair
	maxTailRepair = 4
	_, err := Open(Options{Dir: dir})
	maxTailRepair = old
	if !errors.Is(err, errTailLost) {
		t.Fatalf("Open = %v, want errTailLost", err)
	}
	l := openDir(t, dir)
	r, err := l.Verify(context.Background())
	if err != nil || !r.OK || r.Checked != 5 {
		t.Fatalf("verify = %+v, %v; want the 5 whole events", r, err)
	}
}

// TestLostTailOverLongStretchRefusesToOpen: unreadable events recorded
// further apart than a power cut's unsynced second are not its work (a
// value log file deleted from a small log would otherwise take all of it
// with it): Open refuses.
func TestLostTailOverLongStretchRefusesToOpen(t *testing.T) {
	dir := t.TempDir()
	cutValueLogAt(t, dir, 9, 6, newClock())
	if _, err := Open(Options{Dir: dir}); !errors.Is(err, errTailLost) {
		t.Fatalf("Open = %v, want errTailLost", err)
	}
}

// TestDefaultSyncFollowsNewestLog: by default a sync goes through a
// walsync.Logs that follows the memtables' newest log (not a listing of
// the directory per sync).
func TestDefaultSyncFollowsNewestLog(t *testing.T) {
	dir := t.TempDir()
	l := openDir(t, dir)
	if err := l.RecordSync(context.Background(), marked(1)); err != nil {
		t.Fatal(err)
	}
	mems, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	slices.Sort(mems)
	b := l.b.(*badgerBackend)
	if len(mems) == 0 || b.logs.Newest() != mems[len(mems)-1] {
		t.Fatalf("the default sync follows %q, want the newest of %v", b.logs.Newest(), mems)
	}
}

// openDir opens the log in dir for the rest of the test.
func openDir(t *testing.T, dir string) *Log {
	t.Helper()
	l, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestEncryptedValueLogHoldsNoPlainLine: with the data-encryption key
// (as latchkey serve opens the log), an event's line in the value log is
// encrypted like the rest of the database: no file of the directory
// holds it in plain text, and it reads back after a restart.
func TestEncryptedValueLogHoldsNoPlainLine(t *testing.T) {
	dir := t.TempDir()
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i + 1)
	}
	l, err := Open(Options{Dir: dir, EncryptionKey: key})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.RecordSync(ctx, marked(7)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	vlogs := 0
	for _, n := range names {
		if strings.HasSuffix(n, ".vlog") {
			vlogs++
		}
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("marker-007")) {
			t.Errorf("%s holds the event in plain text", filepath.Base(n))
		}
	}
	if vlogs == 0 {
		t.Fatal("no value log written")
	}
	l, err = Open(Options{Dir: dir, EncryptionKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	page, err := l.Query(ctx, Filter{Limit: 10})
	if err != nil || len(page.Entries) != 1 || page.Entries[0].Reason != "marker-007" {
		t.Fatalf("after a restart: %+v, %v", page.Entries, err)
	}
	if r, err := l.Verify(ctx); err != nil || !r.OK {
		t.Fatalf("verify = %+v, %v", r, err)
	}
}
