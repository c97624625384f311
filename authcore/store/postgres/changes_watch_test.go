package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// watch runs WatchChanges on s until the test ends and returns the
// revoked jtis it delivers; the first batch must be a resync.
func watch(t *testing.T, s *Store) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan string, 100)
	resynced := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		first := true
		_ = s.WatchChanges(ctx, func(batch []authcore.Change, resync bool) {
			if first {
				if !resync {
					t.Error("the first batch is not a resync")
				}
				first = false
				close(resynced)
			}
			for _, c := range batch {
				if c.Kind == authcore.ChangeRevoked {
					out <- c.Ref
				}
			}
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-resynced:
	case <-time.After(10 * time.Second):
		t.Fatal("no resync within 10 s")
	}
	return out
}

func expectJTI(t *testing.T, ch <-chan string, jti string, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case got := <-ch:
			if got == jti {
				return
			}
		case <-deadline:
			t.Fatalf("%s not delivered within %s", jti, within)
		}
	}
}

// TestWatchChangesAcrossStores: a revocation through one store reaches
// the watcher of another store on the same database within a second,
// also after its LISTEN connection was killed (the poll and the
// reconnection's catch-up read carry it).
func TestWatchChangesAcrossStores(t *testing.T) {
	ctx := context.Background()
	a := openTest(t, Options{})
	b := openTest(t, Options{DSN: a.pool.Config().ConnString()})
	got := watch(t, a)

	if err := b.RevokeAccessToken(ctx, authcore.Revocation{JTI: "j1"}); err != nil {
		t.Fatal(err)
	}
	expectJTI(t, got, "j1", time.Second)

	// Kill the listener's connection (not the pool's).
	var killed int
	if err := b.pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE query ILIKE 'listen %' AND pid <> pg_backend_pid()`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("no LISTEN connection found to kill")
	}
	if err := b.RevokeAccessToken(ctx, authcore.Revocation{JTI: "j2"}); err != nil {
		t.Fatal(err)
	}
	expectJTI(t, got, "j2", time.Second)

	// Now every connection of both stores at once (the database
	// restarting, a network cut): the watcher's cursor survives and the
	// pool reconnects. (This package's tests never run in parallel.)
	if _, err := b.pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ { // b's own pooled connections were cut too
		err := b.RevokeAccessToken(ctx, authcore.Revocation{JTI: "j3"})
		if err == nil {
			break
		}
		if i == 3 {
			t.Fatal(err)
		}
	}
	expectJTI(t, got, "j3", 2*time.Second) // the pool and LISTEN reconnect first
}
