package badger

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// TestConcurrentCommitsShareSyncs: writers that commit at the same time
// share fsyncs (group commit), and each is acknowledged only after a sync
// that started after its write began and so covers its commit. Before,
// Badger synced its log once per transaction, one after the other.
func TestConcurrentCommitsShareSyncs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, Options{Dir: dir})
	var started, finished atomic.Int64 // sync rounds
	real := s.durable.sync
	s.durable.sync = func() error {
		started.Add(1)
		time.Sleep(2 * time.Millisecond) // a slow disk, so writers pile up
		err := real()
		finished.Add(1)
		return err
	}
	const writers = 64
	now := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			before := started.Load()
			jti := fmt.Sprintf("jti-%d", i)
			if err := s.RevokeAccessToken(ctx, authcore.Revocation{JTI: jti, ExpiresAt: now.Add(time.Hour), RevokedAt: now}); err != nil {
				errs <- err
				return
			}
			// A round numbered after `before` has finished: it started
			// after this write began, hence after nothing it depends on.
			if done := finished.Load(); done <= before {
				errs <- fmt.Errorf("%s acknowledged after %d finished syncs, none started after the write began (%d had)", jti, done, before)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := finished.Load(); n >= writers/2 {
		t.Errorf("%d concurrent writes took %d syncs; want them shared (fewer than %d)", writers, n, writers/2)
	}
	for i := range writers {
		if ok, err := s.IsRevoked(ctx, fmt.Sprintf("jti-%d", i)); err != nil || !ok {
			t.Errorf("jti-%d: revoked %v, %v", i, ok, err)
		}
	}
}

// TestSyncErrorFailsTheWrite: a write whose sync fails is not
// acknowledged.
func TestSyncErrorFailsTheWrite(t *testing.T) {
	s := openTest(t, Options{Dir: t.TempDir()})
	s.durable.sync = func() error { return fmt.Errorf("disk gone") }
	now := time.Now()
	err := s.RevokeAccessToken(context.Background(), authcore.Revocation{JTI: "j", ExpiresAt: now.Add(time.Hour), RevokedAt: now})
	if err == nil {
		t.Fatal("RevokeAccessToken succeeded although its sync failed")
	}
}

// TestLargeValueSyncsValueLog: a value large enough for Badger's value
// log makes the next sync round sync that log too (DB.Sync), not only
// the write-ahead logs, and it is there after a restart.
func TestLargeValueSyncsValueLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20+1) // over Badger's largest value threshold
	for i := range big {
		big[i] = byte(i)
	}
	before := vlogWrites.Load()
	if err := s.PutSetting(ctx, "big", big); err != nil {
		t.Fatal(err)
	}
	if vlogWrites.Load() == before {
		t.Error("a value for the value log was not counted")
	}
	if d := s.dirSync; d.vlog < before+1 {
		t.Errorf("the write was acknowledged before a round synced the value log (round saw %d, write was %d)", d.vlog, before+1)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, Options{Dir: dir})
	got, err := s.GetSetting(ctx, "big")
	if err != nil || len(got) != len(big) {
		t.Fatalf("large setting after reopen: %d bytes, %v", len(got), err)
	}
}

// TestSyncFollowsLogSwitches: when Badger fills a memtable and starts
// the next one in a new write-ahead log, the sync round that
// acknowledges the next write syncs that new log. The syncer no longer
// lists the directory each round (walsync.Logs): it must find the new
// log by Badger's numbering, or writes would be acknowledged unsynced.
func TestSyncFollowsLogSwitches(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, Options{Dir: dir})
	val := make([]byte, 512<<10) // stays in the log (under Badger's value threshold)
	seen := map[string]bool{}
	for i := 0; len(seen) < 3; i++ {
		if i == 200 {
			t.Fatalf("no third write-ahead log after %d writes of %d bytes: the memtable size changed?", i, len(val))
		}
		if err := s.PutSetting(ctx, fmt.Sprintf("big-%d", i), val); err != nil {
			t.Fatal(err)
		}
		logs, err := filepath.Glob(filepath.Join(dir, "*.mem"))
		if err != nil || len(logs) == 0 {
			t.Fatalf("logs: %v, %v", logs, err)
		}
		newest := slices.Max(logs)
		if got := s.dirSync.logs.Newest(); got != newest {
			t.Fatalf("write %d acknowledged after a sync of %q; Badger writes into %q", i, got, newest)
		}
		seen[newest] = true
	}
}
