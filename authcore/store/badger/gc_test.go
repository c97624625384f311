package badger

import (
	"context"
	"fmt"
	"testing"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// putRaw writes value at k with a Badger TTL ending at ttlAt, the way an
// older version (or an expired record) leaves it on disk.
func putRaw(t *testing.T, s *Store, k []byte, value string, ttlAt time.Time) {
	t.Helper()
	err := s.db.Update(func(txn *bdg.Txn) error {
		e := bdg.NewEntry(k, []byte(value))
		e.ExpiresAt = uint64(ttlAt.Unix())
		return txn.SetEntry(e)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// liveVersions counts the keys under p whose newest version is not a
// deletion marker, whether or not a TTL hides it: what is still on disk
// and not yet marked for removal.
func liveVersions(t *testing.T, s *Store, p []byte) int {
	t.Helper()
	n := 0
	err := s.db.View(func(txn *bdg.Txn) error {
		it := txn.NewIterator(bdg.IteratorOptions{Prefix: p, AllVersions: true})
		defer it.Close()
		var last string
		for it.Seek(p); it.ValidForPrefix(p); it.Next() {
			item := it.Item()
			if string(item.Key()) == last {
				continue
			}
			last = string(item.Key())
			if !(item.IsDeletedOrExpired() && item.ExpiresAt() == 0) {
				n++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCollectDeletesRecordsTheTTLHides reproduces the reviewer's finding:
// records whose Badger TTL has passed are invisible to a normal iterator,
// so the old collector found nothing to delete and they stayed on disk.
// The collector now sees them, deletes them and counts them.
func TestCollectDeletesRecordsTheTTLHides(t *testing.T) {
	now := time.Now()
	s := openTest(t, Options{Dir: t.TempDir(), Now: func() time.Time { return now }})
	past := now.Add(-time.Hour)
	rec := fmt.Sprintf(`{"exp":%q}`, past.Format(time.RFC3339Nano))
	const each = 40
	kinds := []string{kindCode, kindSession, kindRT, kindPAR, kindDevice}
	for _, kind := range kinds {
		for i := range each {
			putRaw(t, s, key(kind, fmt.Sprint(i)), rec, past)
		}
	}
	for _, kind := range kinds {
		if n := liveVersions(t, s, prefix(kind)); n != each {
			t.Fatalf("%s: %d records on disk before GC, want %d", kind, n, each)
		}
	}
	n, err := s.GarbageCollect(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if want := each * len(kinds); n != want {
		t.Errorf("GarbageCollect removed %d, want %d (the TTL-hidden records)", n, want)
	}
	for _, kind := range kinds {
		if n := liveVersions(t, s, prefix(kind)); n != 0 {
			t.Errorf("%s: %d records still on disk after GC", kind, n)
		}
	}
	if n, err := s.GarbageCollect(context.Background(), now); err != nil || n != 0 {
		t.Errorf("second GarbageCollect = %d, %v; want 0", n, err)
	}
}

// TestRevocationOutlivesItsTokenBySkew: a revocation stays until its
// token's exp plus authcore.MaxClockSkew, and carries no Badger TTL that
// a wall clock could fire early.
func TestRevocationOutlivesItsTokenBySkew(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := openTest(t, Options{InMemory: true, Now: func() time.Time { return now }})
	exp := now.Add(time.Minute)
	if err := s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "j", ExpiresAt: exp, RevokedAt: now}); err != nil {
		t.Fatal(err)
	}
	_ = s.db.View(func(txn *bdg.Txn) error {
		item, err := txn.Get(key(kindRevoked, "j"))
		if err != nil || item.ExpiresAt() != 0 {
			t.Errorf("revocation record: err %v, Badger TTL %d; want no TTL", err, item.ExpiresAt())
		}
		return nil
	})
	for _, tc := range []struct {
		gcAt    time.Time
		revoked bool
	}{
		{exp, true},
		{exp.Add(authcore.MaxClockSkew - time.Second), true},
		{exp.Add(authcore.MaxClockSkew), false},
	} {
		if _, err := s.GarbageCollect(ctx, tc.gcAt); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.IsRevoked(ctx, "j"); got != tc.revoked {
			t.Errorf("after GC at exp%+v: IsRevoked = %v, want %v", tc.gcAt.Sub(exp), got, tc.revoked)
		}
	}
}

// TestCollectRestoresTTLHiddenRevocation: a revocation an older version
// wrote with a Badger TTL, hidden because the wall clock jumped past it,
// is rewritten without the TTL while its own exp (judged by the
// collector's clock) says it is still in force.
func TestCollectRestoresTTLHiddenRevocation(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := openTest(t, Options{InMemory: true, Now: func() time.Time { return now }})
	exp := now.Add(time.Hour)
	rec := fmt.Sprintf(`{"jti":"old","exp":%q,"revoked":%q}`, exp.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	putRaw(t, s, key(kindRevoked, "old"), rec, now.Add(-time.Minute)) // TTL already past on the wall clock
	putRaw(t, s, key(kindRevoked, "legacy"), rec, exp)                // TTL still ahead
	if got, _ := s.IsRevoked(ctx, "old"); got {
		t.Fatal("precondition: the TTL should hide the revocation")
	}
	if _, err := s.GarbageCollect(ctx, now); err != nil {
		t.Fatal(err)
	}
	for _, jti := range []string{"old", "legacy"} {
		if got, _ := s.IsRevoked(ctx, jti); !got {
			t.Errorf("%s: revocation not in force after GC", jti)
		}
		_ = s.db.View(func(txn *bdg.Txn) error {
			if item, err := txn.Get(key(kindRevoked, jti)); err == nil && item.ExpiresAt() != 0 {
				t.Errorf("%s: still has a Badger TTL", jti)
			}
			return nil
		})
	}
}

// TestCollectWorksInChunks: a pass over many records is a series of
// short scans with a rest after each (the first pass at start over 10^6
// records used to hold the server's core for 25 s), and still deletes
// every dead record and only those, across chunk boundaries.
func TestCollectWorksInChunks(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := openTest(t, Options{Dir: t.TempDir(), Now: func() time.Time { return now }})
	var rests []time.Duration
	s.gcChunk = 3
	s.gcIdle = func(busy time.Duration) time.Duration {
		rests = append(rests, busy)
		return 0
	}
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	for i := range 20 {
		exp := future
		if i%2 == 0 {
			exp = past
		}
		putRaw(t, s, key(kindCode, fmt.Sprintf("%02d", i)), fmt.Sprintf(`{"exp":%q}`, exp.Format(time.RFC3339Nano)), exp)
	}
	n, err := s.GarbageCollect(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if n != 10 {
		t.Errorf("GarbageCollect removed %d, want 10", n)
	}
	if got := liveVersions(t, s, prefix(kindCode)); got != 10 {
		t.Errorf("%d codes left, want the 10 live ones", got)
	}
	// 20 codes in chunks of 3: 7 scans, a rest between each two.
	if len(rests) < 6 {
		t.Errorf("collector rested %d times over 20 codes in chunks of 3, want at least 6", len(rests))
	}
}

// TestCollectJudgesLiveRecordsByTTL: a visible record whose Badger TTL
// ends after the cutoff is not read (put sets the TTL from the record's
// own exp), which is what keeps a pass over a large store cheap. The
// record here contradicts its TTL on purpose: it stays until the TTL,
// while a record without a TTL is still judged by its exp.
func TestCollectJudgesLiveRecordsByTTL(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := openTest(t, Options{InMemory: true, Now: func() time.Time { return now }})
	stale := fmt.Sprintf(`{"exp":%q}`, now.Add(-time.Hour).Format(time.RFC3339Nano))
	putRaw(t, s, key(kindGrant, "ttl-ahead"), stale, now.Add(time.Hour))
	putRaw(t, s, key(kindGrant, "no-ttl"), stale, time.Unix(0, 0))
	n, err := s.GarbageCollect(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("GarbageCollect removed %d, want 1 (the record without a TTL)", n)
	}
	for k, want := range map[string]bool{"ttl-ahead": true, "no-ttl": false} {
		_ = s.db.View(func(txn *bdg.Txn) error {
			if got, err := exists(txn, key(kindGrant, k)); err != nil || got != want {
				t.Errorf("%s: present %v (%v), want %v", k, got, err, want)
			}
			return nil
		})
	}
}
