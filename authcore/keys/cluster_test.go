package keys

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// barrier makes the first n ListSigningKeys reads wait for each other,
// so n managers plan their change on the same keyset, as two nodes do
// when their administrators click Rotate at the same moment.
func barrier(s *memKeys, n int) {
	var wg sync.WaitGroup
	wg.Add(n)
	var calls atomic.Int32
	s.mu.Lock()
	s.onList = func() {
		if calls.Add(1) <= int32(n) {
			wg.Done()
			wg.Wait()
		}
	}
	s.mu.Unlock()
}

// twoNodes returns two managers on one store and clock.
func twoNodes(t *testing.T) (*env, *Manager) {
	e := newEnv(t, nil)
	return e, e.restart(t)
}

func inParallel(fs ...func() error) []error {
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f() }()
	}
	wg.Wait()
	return errs
}

// Two nodes rotating at the same moment make one rotation: one new
// active key, one next key, the same JWKS and ETag on both.
func TestClusterRotateRaceOneNextKey(t *testing.T) {
	for _, due := range []bool{true, false} {
		e, b := twoNodes(t)
		if due { // the next key was published long enough: promotion now
			e.clock.Advance(e.cfg.JWKSMaxAge)
		}
		active := byState(e.m, ES256, authcore.KeyActive)
		barrier(e.store, 2)
		ctx := context.Background()
		for i, err := range inParallel(
			func() error { return e.m.Rotate(ctx, ES256, "alice") },
			func() error { return b.Rotate(ctx, ES256, "bob") }) {
			if err != nil {
				t.Fatalf("due=%v: Rotate %d: %v", due, i, err)
			}
		}
		if err := b.follow(ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.m.follow(ctx); err != nil {
			t.Fatal(err)
		}
		stored, _ := e.store.ListSigningKeys(ctx)
		count := map[authcore.KeyState]int{}
		for _, k := range stored {
			count[k.State]++
		}
		want := map[authcore.KeyState]int{authcore.KeyActive: 1, authcore.KeyNext: 1}
		if due {
			want[authcore.KeyRetired] = 1
		}
		if len(count) != len(want) || count[authcore.KeyActive] != 1 || count[authcore.KeyNext] != 1 || count[authcore.KeyRetired] != want[authcore.KeyRetired] {
			t.Errorf("due=%v: stored keys by state %v, want %v", due, count, want)
		}
		stage := "scheduled"
		if due {
			stage = "promoted"
			if now := byState(b, ES256, authcore.KeyActive); len(now) != 1 || now[0] == active[0] {
				t.Errorf("active key %v, want one replacing %v", now, active)
			}
		}
		n := 0
		for _, ev := range e.ev.Of(audit.KeyRotated) {
			if ev.Details["stage"] == stage {
				n++
			}
		}
		if n != 1 {
			t.Errorf("due=%v: %d %s rotation events, want 1: %s", due, n, stage, e.ev)
		}
		ja, ea := e.m.JWKS()
		jb, eb := b.JWKS()
		if string(ja) != string(jb) || ea != eb {
			t.Errorf("due=%v: JWKS differ:\n%s %s\n%s %s", due, ja, ea, jb, eb)
		}
		checkInvariants(t, b, e.store)
	}
}

// Two nodes starting on an empty store create one active and one next
// key between them, not one each.
func TestClusterNewRaceOneKeyset(t *testing.T) {
	s := newMemKeys()
	e := &env{store: s}
	e.clock, e.ev = newEnv(t, nil).clock, newEnv(t, nil).ev
	e.cfg = testConfig(s, e.clock, e.ev)
	barrier(s, 2)
	ms := make([]*Manager, 2)
	inParallel(func() (err error) { ms[0], err = New(context.Background(), e.cfg); return err },
		func() (err error) { ms[1], err = New(context.Background(), e.cfg); return err })
	if ms[0] == nil || ms[1] == nil {
		t.Fatal("New failed")
	}
	stored, _ := s.ListSigningKeys(context.Background())
	if len(stored) != 2 {
		t.Fatalf("%d keys stored, want one active and one next: %+v", len(stored), stored)
	}
	for _, m := range ms {
		if err := m.follow(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, m, s)
	}
}

// A key revoked at one node stops verifying at the other on its next
// Follow round, and the other signs with the key that took over.
func TestClusterRevokeReachesOtherNode(t *testing.T) {
	e, b := twoNodes(t)
	tok := e.sign(t, ES256)
	kid, err := b.Verify(tok, "at+jwt", claimsFor(e.clock.Now(), time.Minute))
	if err != nil {
		t.Fatalf("Verify at the other node before revocation: %v", err)
	}
	if err := e.m.Revoke(context.Background(), kid, "alice", "leaked"); err != nil {
		t.Fatal(err)
	}
	if err := b.follow(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(tok, "at+jwt", claimsFor(e.clock.Now(), time.Minute)); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Verify of a revoked key's token at the other node: %v, want ErrUnknownKey", err)
	}
	tb, err := b.Sign(ES256, "at+jwt", claimsFor(e.clock.Now(), time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if k, err := e.verify(tb); err != nil || k == kid {
		t.Errorf("the other node signs with %s (%v), want the key that took over from %s", k, err, kid)
	}
}

// Follow polls by itself: with a real ticker, a revocation at one node
// is refused at the other well within a second.
func TestClusterFollowWithinASecond(t *testing.T) {
	e, b := twoNodes(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Follow(ctx, 0)
	tok := e.sign(t, ES256)
	kid, _ := e.verify(tok)
	start := time.Now()
	if err := e.m.Revoke(ctx, kid, "alice", "leaked"); err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := b.Verify(tok, "at+jwt", claimsFor(e.clock.Now(), time.Minute)); errors.Is(err, ErrUnknownKey) {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatal("the other node still verifies the revoked key after 1 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
