package walsync

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestLogsFollowNewLogs: Logs syncs every log the directory holds on its
// first Sync, then finds each new log Badger creates after the newest
// one it knows, and syncs the log a new one replaced once more (its last
// commits) before it lets it go; it never lists the directory again.
func TestLogsFollowNewLogs(t *testing.T) {
	f := newFixture(t, NewLogs)
	dir, l, create, round := f.dir, f.l, f.create, f.round
	round() // an empty directory: nothing committed, nothing to sync
	// Badger's logs after a restart: older ones not yet flushed, with a
	// gap where one was; a file that is not a log is left alone.
	create("00001.mem", "00003.mem", "MANIFEST", "x.mem")
	round("00001.mem", "00003.mem")
	round("00003.mem")
	if err := os.Remove(filepath.Join(dir, "00001.mem")); err != nil {
		t.Fatal(err)
	}
	create("00004.mem", "00005.mem") // two switches between rounds
	round("00003.mem", "00004.mem", "00005.mem")
	round("00005.mem")
	// Listing again would find this one; Logs no longer lists.
	create("00002.mem")
	round("00005.mem")
	// The replaced log may already be flushed and removed: its last
	// sync goes through the file still open.
	create("00006.mem")
	if err := os.Remove(filepath.Join(dir, "00005.mem")); err != nil {
		t.Fatal(err)
	}
	round("00005.mem", "00006.mem")
	if got, want := l.Newest(), filepath.Join(dir, "00006.mem"); got != want {
		t.Errorf("Newest() = %q, want %q", got, want)
	}
	// Two switches between rounds, the first new log flushed and removed
	// already (and with it the newest known): no name leads to the
	// newest, so Logs lists the directory again rather than miss it.
	create("00007.mem", "00008.mem")
	for _, n := range []string{"00006.mem", "00007.mem"} {
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	round("00002.mem", "00003.mem", "00004.mem", "00006.mem", "00008.mem")
	round("00008.mem")
	if err := os.Remove(filepath.Join(dir, "00002.mem")); err != nil {
		t.Fatal(err)
	}
	// After Close the next Sync lists the directory again.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	round("00003.mem", "00004.mem", "00008.mem")
}

// TestLogsAllGone: when every log Logs knew is gone and the directory
// holds none (the data directory was emptied under the server), Sync
// fails: nothing it could sync makes a commit durable. It recovers when
// a log appears again.
func TestLogsAllGone(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "00001.mem")
	if err := os.WriteFile(name, []byte("log"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := NewLogs(dir)
	t.Cleanup(func() { _ = l.Close() })
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(); err == nil {
		t.Fatal("Sync with every log gone succeeded")
	}
	if err := os.WriteFile(filepath.Join(dir, "00007.mem"), []byte("log"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(); err != nil {
		t.Fatalf("Sync once a log is back: %v", err)
	}
}

// TestValueLogsFollowNewFiles: NewValueLogs follows Badger's value log
// files ("%06d.vlog") as NewLogs follows the memtables' logs, and leaves
// the memtables' logs alone.
func TestValueLogsFollowNewFiles(t *testing.T) {
	f := newFixture(t, NewValueLogs)
	dir, l, create, round := f.dir, f.l, f.create, f.round
	create("000001.vlog", "000002.vlog", "00003.mem", "000001.sst")
	round("000001.vlog", "000002.vlog")
	round("000002.vlog")
	create("000003.vlog") // the value log switched: the old one's last sync
	round("000002.vlog", "000003.vlog")
	round("000003.vlog")
	if got, want := l.Newest(), filepath.Join(dir, "000003.vlog"); got != want {
		t.Errorf("Newest() = %q, want %q", got, want)
	}
}

// fixture is a directory of fake logs and a Logs on it that records
// what each Sync synced.
type fixture struct {
	t   *testing.T
	dir string
	l   *Logs
	got []string
}

func newFixture(t *testing.T, newLogs func(dir string) *Logs) *fixture {
	f := &fixture{t: t, dir: t.TempDir()}
	f.l = newLogs(f.dir)
	t.Cleanup(func() { _ = f.l.Close() })
	f.l.OnSync(func(name string) { f.got = append(f.got, filepath.Base(name)) })
	return f
}

// create writes the files names into the directory.
func (f *fixture) create(names ...string) {
	f.t.Helper()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(f.dir, n), []byte("log"), 0o600); err != nil {
			f.t.Fatal(err)
		}
	}
}

// round runs one Sync and checks that it synced want, in any order.
func (f *fixture) round(want ...string) {
	f.t.Helper()
	f.got = nil
	if err := f.l.Sync(); err != nil {
		f.t.Fatal(err)
	}
	slices.Sort(f.got)
	if !slices.Equal(f.got, want) {
		f.t.Errorf("synced %v, want %v", f.got, want)
	}
}
