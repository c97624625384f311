package ratelimit

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestAllowBurstThenRetryAfter(t *testing.T) {
	l := New(rate.Every(6*time.Second), 3)
	for i := range 3 {
		if ok, _ := l.Allow("a", t0); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	ok, wait := l.Allow("a", t0)
	if ok || wait != 6 {
		t.Fatalf("4th: %v %d, want refused for 6 s", ok, wait)
	}
	if ok, _ := l.Allow("b", t0); !ok {
		t.Fatal("another key shares a's bucket")
	}
	if ok, _ := l.Allow("", t0); !ok {
		t.Fatal("empty key refused at first")
	}
	if ok, _ := l.Allow("a", t0.Add(6*time.Second)); !ok {
		t.Fatal("no refill after 6 s")
	}
	if ok, wait := New(0, 0).Allow("a", t0); !ok || wait != 0 {
		// burst is at least 1
		t.Fatalf("zero rate, first: %v %d", ok, wait)
	}
	if ok, wait := New(rate.Inf, 0).Allow("a", t0); !ok || wait != 0 {
		t.Fatalf("Inf: %v %d", ok, wait)
	}
}

func TestEmptyKeyIsLimited(t *testing.T) {
	l := New(rate.Every(time.Hour), 1)
	l.Allow("", t0)
	if ok, _ := l.Allow("", t0); ok {
		t.Fatal("the empty key is a key like any other")
	}
}

func TestRetryAfterSpendsNothing(t *testing.T) {
	l := New(rate.Every(2*time.Second), 2)
	if w := l.RetryAfter("a", t0); w != 0 {
		t.Fatalf("unknown key: %d", w)
	}
	if n := testing.AllocsPerRun(100, func() { l.RetryAfter("unknown", t0) }); n != 0 {
		t.Fatalf("RetryAfter allocates %v for an unknown key", n)
	}
	if len(l.keys) != 0 {
		t.Fatalf("RetryAfter created %d buckets", len(l.keys))
	}
	l.Allow("a", t0)
	for range 5 {
		if w := l.RetryAfter("a", t0); w != 0 {
			t.Fatalf("one token left: %d", w)
		}
	}
	l.Allow("a", t0)
	if w := l.RetryAfter("a", t0); w != 3 { // 2 s away, counted as 2 whole seconds + 1
		t.Fatalf("empty bucket: %d, want 3", w)
	}
	if w := l.RetryAfter("a", t0.Add(2*time.Second)); w != 0 {
		t.Fatalf("after refill: %d", w)
	}
}

// TestSetKeepsSpentTokens: a new rate applies to existing keys the next
// time they are seen, without a fresh burst.
func TestSetKeepsSpentTokens(t *testing.T) {
	l := New(rate.Every(10*time.Second), 2)
	l.Allow("a", t0)
	l.Allow("a", t0)
	l.Set(rate.Every(time.Second), 100)
	if ok, _ := l.Allow("a", t0); ok {
		t.Fatal("a larger burst refilled a spent bucket")
	}
	if w := l.RetryAfter("a", t0); w != 2 { // 1 s away under the new rate (10 s before)
		t.Fatalf("RetryAfter under the new rate: %d, want 2", w)
	}
	if ok, _ := l.Allow("a", t0.Add(time.Second)); !ok {
		t.Fatal("the new rate is not in force")
	}
	for i := range 100 {
		if ok, _ := l.Allow("fresh", t0); !ok {
			t.Fatalf("new key, attempt %d: the new burst is not in force", i+1)
		}
	}
	l.Set(rate.Inf, 0)
	for range 10 {
		if ok, _ := l.Allow("a", t0); !ok {
			t.Fatal("rate.Inf still limits")
		}
	}
	// Inf spent nothing from a: at t0+2s it holds the one token it
	// earned at 1/s since t0+1s, and then waits an hour.
	l.Set(rate.Every(time.Hour), 1)
	if ok, _ := l.Allow("a", t0.Add(2*time.Second)); !ok {
		t.Fatal("after Inf: the token earned before is lost")
	}
	if ok, wait := l.Allow("a", t0.Add(2*time.Second)); ok || wait != 3600 {
		t.Fatalf("after Inf: %v %d, want refused for 3600 s", ok, wait)
	}
}

func TestEvictionBoundsMemory(t *testing.T) {
	l := New(1, 1)
	for i := range MaxKeys + 10 {
		l.Allow(strconv.Itoa(i), t0)
	}
	if len(l.keys) > MaxKeys {
		t.Fatalf("%d keys", len(l.keys))
	}
}

// TestEvictionDropsIdleOnly: past MaxKeys, the buckets idle for longer
// than a full refill go and the recent ones stay, spent as they were.
func TestEvictionDropsIdleOnly(t *testing.T) {
	l := New(1, 5) // refilled after 5 s, idle after 6 s
	for i := range MaxKeys - 1 {
		l.Allow("old"+strconv.Itoa(i), t0)
	}
	later := t0.Add(10 * time.Second)
	for range 5 {
		l.Allow("recent", later)
	}
	l.Allow("new", later)
	if len(l.keys) != 2 {
		t.Fatalf("%d keys after the sweep, want recent and new", len(l.keys))
	}
	if ok, _ := l.Allow("recent", later); ok {
		t.Fatal("the sweep refilled a recent bucket")
	}
}

// TestConcurrentAllowAndSet: under -race, many goroutines spend the same
// keys while the rate changes; at a fixed instant no key grants more than
// the largest burst in force.
func TestConcurrentAllowAndSet(t *testing.T) {
	l := New(rate.Every(time.Hour), 5)
	var granted [4]atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				k := (g + i) % len(granted)
				if ok, _ := l.Allow(strconv.Itoa(k), t0); ok {
					granted[k].Add(1)
				}
				l.RetryAfter(strconv.Itoa(k), t0)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 100 {
			l.Set(rate.Every(time.Hour), 5+i%3)
		}
	}()
	wg.Wait()
	for k := range granted {
		if n := granted[k].Load(); n < 5 || n > 7 {
			t.Fatalf("key %d granted %d, want 5..7", k, n)
		}
	}
}

// A zero rate never refills: RetryAfter must say so, not wrap the
// infinite wait to a negative number that callers read as "has a token"
// (a failed-authentication guard would then never block).
func TestRetryAfterZeroRate(t *testing.T) {
	l := New(0, 1)
	now := time.Unix(1_700_000_000, 0)
	if ok, _ := l.Allow("k", now); !ok {
		t.Fatal("the burst's one token was refused")
	}
	if w := l.RetryAfter("k", now.Add(time.Hour)); w != 60 {
		t.Fatalf("RetryAfter of a spent zero-rate key = %d, want 60", w)
	}
}
