package jwkset

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// hangingIssuer answers its first JWKS request and holds every later one
// until release is closed (an authorization server that hangs).
func hangingIssuer(t *testing.T, body []byte) (*httptest.Server, *atomic.Int32, chan struct{}) {
	t.Helper()
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) > 1 {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits, release
}

// GW-06 with a hanging issuer: a flood of tokens with unknown kids makes
// the cache refetch (at most once per MinRefetch), and that refetch hangs
// up to Timeout. Requests whose kid the cached set holds must not wait
// for it: before the fix every Get queued on the fetch's lock, so one
// random-kid token every MinRefetch stalled the whole gateway.
func TestRemoteAttackHangingRefetchDoesNotStallCachedReaders(t *testing.T) {
	k := newKeys(t)
	srv, hits, release := hangingIssuer(t, jwks(t, jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: "k1", Algorithm: "ES256"}))
	defer close(release)
	r := NewRemote(Config{URL: func(context.Context) (string, error) { return srv.URL, nil }, Timeout: 5 * time.Second, MinRefetch: time.Nanosecond})
	s1, err := r.Get(context.Background(), false)
	if err != nil || len(s1.Lookup("k1")) != 1 {
		t.Fatalf("first fetch: %v", err)
	}
	// The attacker's unknown kid: a refresh that hangs.
	flood := make(chan error, 1)
	go func() {
		_, err := r.Get(context.Background(), true)
		flood <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); hits.Load() < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the refetch never reached the issuer")
		}
	}
	// Legitimate tokens (known kid, fresh set) are answered at once, from
	// many goroutines, while the refetch hangs.
	var wg sync.WaitGroup
	var slow atomic.Int32
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			s, err := r.Get(context.Background(), false)
			if err != nil || s != s1 || time.Since(start) > 500*time.Millisecond {
				slow.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := slow.Load(); n != 0 {
		t.Fatalf("%d of 50 readers of a fresh cached set waited for the hanging refetch or failed", n)
	}
	// More unknown kids do not start more fetches.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, _ = r.Get(ctx, true)
	cancel()
	if n := hits.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2 (one in flight)", n)
	}
	release <- struct{}{} // let the hanging fetch answer
	if err := <-flood; err != nil {
		t.Fatalf("the refetch, once answered: %v", err)
	}
}

// A caller with no usable set waits for the fetch in flight and gets its
// result, rather than failing (no set) or fetching again.
func TestRemoteAttackConcurrentFirstFetch(t *testing.T) {
	k := newKeys(t)
	var hits atomic.Int32
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-gate
		_, _ = w.Write(jwks(t, jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: "k1", Algorithm: "ES256"}))
	}))
	defer srv.Close()
	r := NewRemote(Config{URL: func(context.Context) (string, error) { return srv.URL, nil }})
	errs := make(chan error, 20)
	for range 20 {
		go func() {
			s, err := r.Get(context.Background(), false)
			if err == nil && len(s.Lookup("k1")) != 1 {
				err = context.Canceled
			}
			errs <- err
		}()
	}
	for deadline := time.Now().Add(5 * time.Second); hits.Load() < 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no fetch")
		}
	}
	time.Sleep(50 * time.Millisecond)
	close(gate)
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatalf("a concurrent first Get: %v", err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("%d fetches for 20 concurrent first calls, want 1", n)
	}
}

// Duplicate kids (FAPI 2.0 §5.4.2 says not to serve them): each key keeps
// its own algorithm, so an ES256 header can only select the EC key of that
// kid and an RS256 header only the RSA one; a second EC key of the same
// kid is a second candidate, never a replacement of the first.
func TestRemoteAttackDuplicateKids(t *testing.T) {
	k := newKeys(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, err := Parse(jwks(t,
		jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: "dup"},
		jose.JSONWebKey{Key: &k.rsa.PublicKey, KeyID: "dup"},
		jose.JSONWebKey{Key: &other.PublicKey, KeyID: "dup"},
		jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "dup", Algorithm: "HS256"},
	))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Find("dup", "ES256"); len(got) != 2 {
		t.Fatalf("ES256 candidates for dup: %d, want the two EC keys", len(got))
	}
	if got := s.Find("dup", "RS256"); len(got) != 1 || got[0].Public != &k.rsa.PublicKey && !got[0].Allows("RS256") {
		t.Fatalf("RS256 candidates: %+v", got)
	}
	for _, alg := range []string{"HS256", "none", "ES384"} {
		if got := s.Find("dup", alg); len(got) != 0 {
			t.Fatalf("%s found %d keys", alg, len(got))
		}
	}
	if s.Len() != 3 {
		t.Fatalf("%d usable keys, want 3 (the HMAC secret dropped)", s.Len())
	}
}

// The fetch is shared: the caller that started it hanging up (a gateway
// request whose client went away) must not fail it for the callers
// waiting on it. Before the fix the fetch ran on the starter's context,
// so every waiter got context.Canceled, and MinRefetch then refused the
// next fetch: a gateway with no cached JWKS answered 503 to everyone.
func TestRemoteAttackStarterCancelDoesNotFailSharedFetch(t *testing.T) {
	k := newKeys(t)
	var hits atomic.Int32
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-gate
		_, _ = w.Write(jwks(t, jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: "k1", Algorithm: "ES256"}))
	}))
	defer srv.Close()
	release := sync.OnceFunc(func() { close(gate) })
	defer release() // a failure must not leave the handler parked
	r := NewRemote(Config{URL: func(context.Context) (string, error) { return srv.URL, nil }, MinRefetch: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	starter := make(chan error, 1)
	go func() {
		_, err := r.Get(ctx, false)
		starter <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); hits.Load() < 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no fetch")
		}
	}
	waiter := make(chan error, 1)
	go func() {
		s, err := r.Get(context.Background(), false)
		if err == nil && len(s.Lookup("k1")) != 1 {
			err = ErrRateLimited
		}
		waiter <- err
	}()
	cancel()
	select {
	case err := <-starter:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the starter, cancelled: %v, want context.Canceled at once", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the cancelled starter still waits for the fetch")
	}
	time.Sleep(50 * time.Millisecond) // the waiter is parked on the fetch
	release()
	if err := <-waiter; err != nil {
		t.Fatalf("a waiter of the fetch its starter abandoned: %v", err)
	}
	if s, err := r.Get(context.Background(), false); err != nil || len(s.Lookup("k1")) != 1 {
		t.Fatalf("after: %v", err)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
}
