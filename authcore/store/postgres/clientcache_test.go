package postgres

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// fakeClock is a settable clock for the cache's freshness bound.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// renameSilently changes the client's name in the database with the
// clients trigger off, so no node hears of it: only the cache's
// freshness bound can bring it to a node that cached the client.
func renameSilently(t *testing.T, s *Store, id, name string) {
	t.Helper()
	ctx := context.Background()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `RESET session_replication_role`) //nolint:errcheck // the connection goes back to the pool either way
	if _, err := conn.Exec(ctx, `UPDATE clients SET doc = jsonb_set(doc, '{name}', to_jsonb($2::text)) WHERE id = $1`, id, name); err != nil {
		t.Fatal(err)
	}
}

func clientName(t *testing.T, s *Store, id string) string {
	t.Helper()
	c, err := s.GetClient(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Name
}

// TestClientCacheAcrossNodes: a node that watches the change feed serves
// GetClient from memory, and a client another node deletes or changes is
// refused or reloaded there within a second (the feed); a change the feed
// never carries is served at most clientCacheTTL; a node that does not
// watch the feed never caches.
func TestClientCacheAcrossNodes(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	a := openTest(t, Options{Now: clock.now})
	b := openTest(t, Options{DSN: a.pool.Config().ConnString(), Now: clock.now})
	c := authcore.Client{ID: "c1", Name: "one", Type: authcore.Confidential, GrantTypes: []string{"client_credentials"},
		SecretHash: []byte("hash"), CreatedAt: clock.now(), UpdatedAt: clock.now()}
	if err := b.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}

	// Not watching: every read goes to the database.
	renameSilently(t, b, "c1", "two")
	if got := clientName(t, a, "c1"); got != "two" {
		t.Fatalf("unwatched store: name %q, want two", got)
	}
	watch(t, a)

	// Watching: cached, and a caller changing its copy changes nothing.
	got, err := a.GetClient(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	got.GrantTypes[0], got.SecretHash[0] = "password", 'X'
	renameSilently(t, b, "c1", "three")
	again, err := a.GetClient(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if again.Name != "two" || again.GrantTypes[0] != "client_credentials" || again.SecretHash[0] != 'h' {
		t.Fatalf("cached client %q %v %q: want the unchanged record named two", again.Name, again.GrantTypes, again.SecretHash)
	}
	// The freshness bound, without any notification.
	clock.add(clientCacheTTL)
	if got := clientName(t, a, "c1"); got != "three" {
		t.Fatalf("after the TTL: name %q, want three", got)
	}

	// Another node's update arrives through the feed.
	if err := b.UpdateClient(ctx, "c1", func(c authcore.Client) (authcore.Client, error) { c.Name = "four"; return c, nil }); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "the update on node b", func() bool { return clientName(t, a, "c1") == "four" })

	// Another node's delete: refused here within a second.
	if err := b.DeleteClient(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "the deletion on node b", func() bool {
		_, err := a.GetClient(ctx, "c1")
		return errors.Is(err, authcore.ErrNotFound)
	})
	// A node's own write is seen at once by its next read.
	c.Name = "five"
	if err := a.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got := clientName(t, a, "c1"); got != "five" {
		t.Fatalf("own create: name %q, want five", got)
	}
	if err := a.DeleteClient(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetClient(ctx, "c1"); !errors.Is(err, authcore.ErrNotFound) {
		t.Fatalf("own delete: %v, want ErrNotFound", err)
	}
}

// eventually polls cond (the change feed is asynchronous) until within
// has passed.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s not seen within %s", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
