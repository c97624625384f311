package tokencache

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestGetPut(t *testing.T) {
	c := New[string, int](10)
	now := time.Unix(1_700_000_000, 0)
	k := KeyOf("tok")
	if _, ok := c.Get(k, 1, now); ok {
		t.Fatal("hit in an empty cache")
	}
	c.Put(k, "alice", 1, now.Add(time.Minute), now)
	if v, ok := c.Get(k, 1, now.Add(59*time.Second)); !ok || v != "alice" {
		t.Fatalf("miss before the deadline: %q %v", v, ok)
	}
	if _, ok := c.Get(k, 1, now.Add(time.Minute)); ok {
		t.Error("hit at the deadline")
	}
	if _, ok := c.Get(k, 2, now); ok {
		t.Error("hit under another generation (a new key set)")
	}
	if _, ok := c.Get(KeyOf("tok2"), 1, now); ok {
		t.Error("hit for another token")
	}
	c.Put(KeyOf("old"), "x", 1, now, now)
	if c.Len() != 1 {
		t.Errorf("an already expired entry was stored: len %d", c.Len())
	}
}

// TestBounded: however many tokens go in, concurrently or not, the cache
// stays within its limit (plus the puts in flight) and the newest entry
// is still found.
func TestBounded(t *testing.T) {
	c := New[int, string](100)
	now := time.Unix(1_700_000_000, 0)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				c.Put(KeyOf(fmt.Sprint(g, "-", i)), i, "v1", now.Add(time.Hour), now)
				_, _ = c.Get(KeyOf(fmt.Sprint(g, "-", i/2)), "v1", now)
			}
		}()
	}
	wg.Wait()
	if n := c.Len(); n > 100+4 {
		t.Fatalf("%d entries, limit 100", n)
	}
	c.Put(KeyOf("last"), 7, "v1", now.Add(time.Hour), now)
	if v, ok := c.Get(KeyOf("last"), "v1", now); !ok || v != 7 {
		t.Fatal("newest entry lost")
	}
	// A sweep drops another generation's entries first.
	c2 := New[int, int](4)
	for i := range 4 {
		c2.Put(KeyOf(fmt.Sprint(i)), i, 1, now.Add(time.Hour), now)
	}
	c2.Put(KeyOf("new"), 9, 2, now.Add(time.Hour), now)
	if c2.Len() != 1 {
		t.Fatalf("after a generation change: %d entries, want 1", c2.Len())
	}
}
