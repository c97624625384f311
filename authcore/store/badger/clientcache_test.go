package badger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// The client cache never hands out its own slices, and never serves a
// record older than the last committed write, even under concurrent reads.
func TestClientCache(t *testing.T) {
	s, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.CreateClient(ctx, authcore.Client{ID: "c", Scopes: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	c, _ := s.GetClient(ctx, "c")
	c.Scopes[0] = "mutated"
	if again, _ := s.GetClient(ctx, "c"); again.Scopes[0] != "a" {
		t.Fatal("a caller changed the cached record")
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() { defer wg.Done(); s.GetClient(ctx, "c") }()
		want := string(rune('A' + i%26))
		if err := s.UpdateClient(ctx, "c", func(c authcore.Client) (authcore.Client, error) {
			c.Name = want
			return c, nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetClient(ctx, "c"); got.Name != want {
			t.Fatalf("read %q after writing %q", got.Name, want)
		}
	}
	wg.Wait()
	if err := s.DeleteClient(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetClient(ctx, "c"); err != authcore.ErrNotFound {
		t.Fatalf("deleted client still served: %v", err)
	}
}

// The user cache, the same way: a disabled user is seen disabled by the
// very next read (a code exchange refuses a disabled user's code), a
// deleted one is gone, a caller's changes never reach the cache, and a
// user created by a federated link is read from the store.
func TestUserCache(t *testing.T) {
	s, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	t0 := time.Now()
	if err := s.CreateUser(ctx, authcore.User{ID: "u", Username: "alice", FailedLogins: []time.Time{t0}}); err != nil {
		t.Fatal(err)
	}
	u, _ := s.GetUser(ctx, "u")
	u.FailedLogins[0] = time.Time{}
	if again, _ := s.GetUser(ctx, "u"); !again.FailedLogins[0].Equal(t0) {
		t.Fatal("a caller changed the cached record")
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() { defer wg.Done(); s.GetUser(ctx, "u") }()
		disabled := i%2 == 0
		if err := s.UpdateUser(ctx, "u", func(u authcore.User) (authcore.User, error) {
			u.Disabled = disabled
			return u, nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetUser(ctx, "u"); got.Disabled != disabled {
			t.Fatalf("read disabled=%v after writing %v", got.Disabled, disabled)
		}
	}
	wg.Wait()
	if err := s.DeleteUser(ctx, "u"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetUser(ctx, "u"); !errors.Is(err, authcore.ErrNotFound) {
		t.Fatalf("deleted user still served: %v", err)
	}
	// The same ID again, through a federated link: the new record.
	link := authcore.FederatedLink{Issuer: "https://idp.example", Subject: "s1", UserID: "u"}
	if err := s.CreateFederatedLink(ctx, link, &authcore.User{ID: "u", Username: "alice2"}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetUser(ctx, "u"); err != nil || got.Username != "alice2" || got.Disabled {
		t.Fatalf("user created by a link: %+v, %v", got, err)
	}
}

// A cache holds at most maxCachedRecords records, however many are read,
// and still serves what is read after it started over.
func TestRecordCacheBounded(t *testing.T) {
	var c userCache
	for i := range maxCachedRecords + 5 {
		id := fmt.Sprint("u", i)
		_, _, gen := c.get(id)
		c.fill(id, userV1{ID: id}, gen)
	}
	if n := len(c.records); n > maxCachedRecords {
		t.Fatalf("%d records cached, want at most %d", n, maxCachedRecords)
	}
	last := fmt.Sprint("u", maxCachedRecords+4)
	if r, ok, _ := c.get(last); !ok || r.ID != last {
		t.Fatalf("the last record read is not served: %+v, %v", r, ok)
	}
}
