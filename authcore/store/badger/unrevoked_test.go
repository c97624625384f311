package badger

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// A jti read as not revoked is remembered, and every path that writes a
// revocation makes the next IsRevoked read the store again: a revocation,
// a grant's revocation, the collector's rewrite, and a restore into the
// store.
func TestUnrevokedCacheNeverHidesARevocation(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{Dir: t.TempDir()})
	exp := time.Now().Add(time.Hour)
	for i := range 3 {
		if r, err := s.IsRevoked(ctx, "jti-1"); r || err != nil {
			t.Fatalf("read %d: %v %v", i, r, err)
		}
	}
	if !s.unrevoked.known("jti-1", s.unrevoked.epoch()) {
		t.Fatal("a live jti was not remembered")
	}
	if err := s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "jti-1", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	if r, err := s.IsRevoked(ctx, "jti-1"); !r || err != nil {
		t.Fatalf("revoked jti answered %v %v", r, err)
	}

	// A grant's revocation revokes its access tokens in the same write.
	g := authcore.Grant{ID: "g1", ClientID: "c1", UserID: "u1", Scopes: []string{"openid"}, CreatedAt: time.Now(),
		ExpiresAt: exp, AccessJTIs: []authcore.IssuedToken{{JTI: "jti-2", ExpiresAt: exp}}}
	if err := s.CreateGrant(ctx, g, nil); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.IsRevoked(ctx, "jti-2"); r {
		t.Fatal("live token of a live grant revoked")
	}
	if err := s.RevokeGrant(ctx, "g1", "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.IsRevoked(ctx, "jti-2"); !r {
		t.Fatal("the grant's access token still reads as not revoked")
	}

	// Restore: an empty store that answered "not revoked" takes in a
	// backup holding the revocation.
	var entries []Entry
	if _, err := s.Backup(ctx, func(e Entry) error { entries = append(entries, e); return nil }); err != nil {
		t.Fatal(err)
	}
	dst := openTest(t, Options{Dir: t.TempDir()})
	if r, _ := dst.IsRevoked(ctx, "jti-1"); r {
		t.Fatal("empty store revoked")
	}
	i := 0
	if _, err := dst.Restore(ctx, func() (Entry, error) {
		if i == len(entries) {
			return Entry{}, io.EOF
		}
		i++
		return entries[i-1], nil
	}); err != nil {
		t.Fatal(err)
	}
	if r, _ := dst.IsRevoked(ctx, "jti-1"); !r {
		t.Fatal("restored revocation reads as not revoked")
	}
}

// A store read that a write overtook is not remembered: the write may
// be the revocation the read missed.
func TestUnrevokedCacheDropsAnOvertakenRead(t *testing.T) {
	var c unrevokedCache
	e := c.epoch()
	c.wrote()
	c.remember("jti", e)
	if c.known("jti", c.epoch()) || c.known("jti", e) {
		t.Fatal("an overtaken read was remembered")
	}
	e = c.epoch()
	c.remember("jti", e)
	if !c.known("jti", e) {
		t.Fatal("a read with no write since was not remembered")
	}
	c.wrote()
	if c.known("jti", c.epoch()) {
		t.Fatal("a remembered answer outlived a write")
	}
	for i := range maxUnrevoked + 1 {
		c.remember(fmt.Sprint("j", i), c.epoch())
	}
	if n := len(c.set); n > maxUnrevoked {
		t.Fatalf("%d jtis remembered", n)
	}
}

// Readers ask about tokens over and over while they are revoked one by
// one: once RevokeAccessToken has returned, every IsRevoked that starts
// afterwards answers true, in whichever reader.
func TestUnrevokedCacheUnderConcurrentRevocations(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{Dir: t.TempDir(), NoSyncWrites: true})
	const tokens = 200
	var acked [tokens]atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failure atomic.Value
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := r; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				i := n % tokens
				was := acked[i].Load() // acknowledged before this call began
				revoked, err := s.IsRevoked(ctx, fmt.Sprint("jti-", i))
				if err != nil || (was && !revoked) {
					failure.CompareAndSwap(nil, fmt.Errorf("jti-%d: revoked %v, acknowledged %v, err %v", i, revoked, was, err))
				}
			}
		}()
	}
	for i := range tokens {
		time.Sleep(200 * time.Microsecond) // let the readers remember it first
		if err := s.RevokeAccessToken(ctx, authcore.Revocation{JTI: fmt.Sprint("jti-", i), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		acked[i].Store(true)
	}
	close(stop)
	wg.Wait()
	if err, _ := failure.Load().(error); err != nil {
		t.Fatal(err)
	}
	for i := range tokens {
		if r, err := s.IsRevoked(ctx, fmt.Sprint("jti-", i)); !r || err != nil {
			t.Fatalf("jti-%d: %v %v", i, r, err)
		}
	}
}
