package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// testKeysetSwap: every write to the signing keys moves the version; a
// swap from a stale version writes nothing; of many swaps from the same
// version exactly one wins.
func testKeysetSwap(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	key := func(id string, st authcore.KeyState) authcore.SigningKey {
		return authcore.SigningKey{ID: id, Algorithm: "ES256", State: st, PrivateDER: []byte{0x30, 1}, CreatedAt: now}
	}
	v0, err := s.SigningKeysVersion(ctx)
	must(t, "SigningKeysVersion", err)
	must(t, "PutSigningKeys", s.PutSigningKeys(ctx, key("a", authcore.KeyActive)))
	v1, _ := s.SigningKeysVersion(ctx)
	if v1 == v0 {
		t.Fatal("PutSigningKeys did not change the keyset version")
	}
	v2, err := s.SwapSigningKeys(ctx, v1, []authcore.SigningKey{key("b", authcore.KeyNext)}, nil)
	must(t, "SwapSigningKeys", err)
	if now, _ := s.SigningKeysVersion(ctx); v2 == v1 || now != v2 {
		t.Fatalf("after a swap the version is %d (swap said %d), was %d", now, v2, v1)
	}
	_, err = s.SwapSigningKeys(ctx, v1, []authcore.SigningKey{key("stale", authcore.KeyNext)}, []string{"a"})
	wantErr(t, "SwapSigningKeys from a stale version", err, authcore.ErrConflict)
	list, _ := s.ListSigningKeys(ctx)
	if ids := sorted(list, keyID); len(ids) != 2 || ids[0].ID != "a" || ids[1].ID != "b" {
		t.Fatalf("a stale swap changed the keys: %+v", ids)
	}
	v3, err := s.SwapSigningKeys(ctx, v2, nil, []string{"a", "never-there"})
	must(t, "SwapSigningKeys removing", err)
	must(t, "DeleteSigningKey", s.DeleteSigningKey(ctx, "b"))
	if v4, _ := s.SigningKeysVersion(ctx); v4 == v3 {
		t.Error("DeleteSigningKey did not change the keyset version")
	}

	// The race: eight nodes swap from the same version.
	v, _ := s.SigningKeysVersion(ctx)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.SwapSigningKeys(ctx, v, []authcore.SigningKey{key(string(rune('p'+i)), authcore.KeyNext)}, nil)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, authcore.ErrConflict):
				conflicts++
			default:
				t.Errorf("SwapSigningKeys: %v", err)
			}
		}()
	}
	wg.Wait()
	list, _ = s.ListSigningKeys(ctx)
	if wins != 1 || conflicts != 7 || len(list) != 1 {
		t.Errorf("8 swaps from one version: %d won, %d conflicted, %d keys stored; want 1, 7, 1", wins, conflicts, len(list))
	}
}

// testLeases: one holder at a time; renewal; expiry by the caller's
// clock; release.
func testLeases(t *testing.T, s authcore.Storage, clk *Clock) {
	now, ttl := clk.Now(), 15*time.Second
	acquire := func(holder string, at time.Time) bool {
		t.Helper()
		ok, err := s.AcquireLease(ctx, "work", holder, at, ttl)
		must(t, "AcquireLease", err)
		return ok
	}
	if !acquire("a", now) || acquire("b", now) {
		t.Fatal("want a to take the free lease and b refused")
	}
	if !acquire("a", now.Add(10*time.Second)) { // renewal: now valid to +25 s
		t.Fatal("a could not renew")
	}
	if acquire("b", now.Add(20*time.Second)) {
		t.Fatal("b took a renewed lease before it expired")
	}
	if !acquire("b", now.Add(26*time.Second)) || acquire("a", now.Add(26*time.Second)) {
		t.Fatal("want b to take the expired lease and a refused")
	}
	must(t, "ReleaseLease by a non-holder", s.ReleaseLease(ctx, "work", "a"))
	if acquire("a", now.Add(27*time.Second)) {
		t.Fatal("a released b's lease")
	}
	must(t, "ReleaseLease", s.ReleaseLease(ctx, "work", "b"))
	if !acquire("a", now.Add(27*time.Second)) {
		t.Fatal("a could not take a released lease")
	}
	// Of many contenders for a free lease, one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.AcquireLease(ctx, "race", string(rune('p'+i)), now, ttl)
			if err != nil && !errors.Is(err, authcore.ErrConflict) {
				t.Errorf("AcquireLease: %v", err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d of 8 contenders hold the lease, want 1", wins)
	}
}

// testHeartbeats: nodes are listed by id when seen since the cutoff;
// a new heartbeat replaces the record; Ready answers on an open store.
func testHeartbeats(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now().UTC().Truncate(time.Microsecond)
	must(t, "Ready", s.Ready(ctx))
	b := authcore.Node{ID: "b", Version: "1.0", Address: "10.0.0.2:8421", StartedAt: now, LastSeen: now}
	a := authcore.Node{ID: "a", Version: "1.1", Address: "10.0.0.1:8421", StartedAt: now, LastSeen: now.Add(-time.Minute)}
	must(t, "Heartbeat", s.Heartbeat(ctx, b))
	must(t, "Heartbeat", s.Heartbeat(ctx, a))
	nodes, err := s.ListNodes(ctx, now.Add(-time.Hour))
	must(t, "ListNodes", err)
	if len(nodes) != 2 || nodes[0].ID != "a" || nodes[1].ID != "b" || !nodes[1].LastSeen.Equal(now) || nodes[1].Version != "1.0" {
		t.Fatalf("ListNodes: %+v", nodes)
	}
	nodes, _ = s.ListNodes(ctx, now.Add(-time.Second))
	if len(nodes) != 1 || nodes[0].ID != "b" {
		t.Fatalf("ListNodes since a second ago: %+v, want b alone", nodes)
	}
	a.LastSeen = now
	must(t, "Heartbeat again", s.Heartbeat(ctx, a))
	if nodes, _ = s.ListNodes(ctx, now.Add(-time.Second)); len(nodes) != 2 {
		t.Fatalf("after a's new heartbeat: %+v", nodes)
	}
	if err := s.Heartbeat(ctx, authcore.Node{}); err == nil {
		t.Error("Heartbeat without an id: no error")
	}
}
