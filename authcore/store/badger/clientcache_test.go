package badger

import (
	"context"
	"sync"
	"testing"

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
