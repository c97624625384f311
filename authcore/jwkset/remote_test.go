package jwkset

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// issuer serves a JWKS whose body, headers and status the test changes.
type issuer struct {
	mu      sync.Mutex
	body    []byte
	etag    string
	cc      string
	status  int
	hits    atomic.Int32
	inm     atomic.Int32 // requests that carried If-None-Match
	stall   chan struct{}
	srv     *httptest.Server
	clk     *clock
	remote  *Remote
	setKids func(...string)
}

func newIssuer(t *testing.T, edit func(*Config)) *issuer {
	t.Helper()
	k := newKeys(t)
	is := &issuer{status: 200, cc: "max-age=60", clk: &clock{t: time.Unix(1_700_000_000, 0)}}
	is.setKids = func(kids ...string) {
		var ks []jose.JSONWebKey
		for _, kid := range kids {
			ks = append(ks, jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"})
		}
		is.mu.Lock()
		is.body, is.etag = jwks(t, ks...), `"`+strings.Join(kids, ",")+`"`
		is.mu.Unlock()
	}
	is.setKids("k1")
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		is.hits.Add(1)
		if is.stall != nil {
			<-is.stall
		}
		is.mu.Lock()
		defer is.mu.Unlock()
		w.Header().Set("Cache-Control", is.cc)
		w.Header().Set("ETag", is.etag)
		if inm := r.Header.Get("If-None-Match"); inm != "" {
			is.inm.Add(1)
			if inm == is.etag && is.status == 200 {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.WriteHeader(is.status)
		_, _ = w.Write(is.body)
	}))
	t.Cleanup(is.srv.Close)
	cfg := Config{URL: func(context.Context) (string, error) { return is.srv.URL, nil }, Now: is.clk.Now}
	if edit != nil {
		edit(&cfg)
	}
	is.remote = NewRemote(cfg)
	return is
}

func (is *issuer) get(t *testing.T, refresh bool) (*Set, error) {
	t.Helper()
	return is.remote.Get(context.Background(), refresh)
}

func (is *issuer) set(f func()) { is.mu.Lock(); f(); is.mu.Unlock() }

// TestRemoteCachesPerMaxAgeAndETag: a fresh set is served from memory; an
// expired one is revalidated with If-None-Match, and 304 keeps the same
// *Set (so the caches keyed on it survive).
func TestRemoteCachesPerMaxAgeAndETag(t *testing.T) {
	is := newIssuer(t, nil)
	s1, err := is.get(t, false)
	if err != nil || len(s1.Lookup("k1")) != 1 {
		t.Fatalf("%v %+v", err, s1)
	}
	is.clk.add(59 * time.Second)
	if s, _ := is.get(t, false); s != s1 || is.hits.Load() != 1 {
		t.Fatalf("refetched within max-age: %d hits", is.hits.Load())
	}
	is.clk.add(2 * time.Second)
	if s, err := is.get(t, false); err != nil || s != s1 || is.hits.Load() != 2 || is.inm.Load() != 1 {
		t.Fatalf("revalidation: err %v, same set %v, %d hits, %d conditional", err, s == s1, is.hits.Load(), is.inm.Load())
	}
	// A changed JWKS after expiry is a new set.
	is.setKids("k2")
	is.clk.add(61 * time.Second)
	s2, err := is.get(t, false)
	if err != nil || s2 == s1 || len(s2.Lookup("k2")) != 1 || len(s2.Lookup("k1")) != 0 {
		t.Fatalf("rotation not seen: %v", err)
	}
	// no-store: refetched on next use, but still no more than once per MinRefetch.
	is.set(func() { is.cc = "no-store" })
	is.clk.add(61 * time.Second)
	_, _ = is.get(t, false)
	n := is.hits.Load()
	_, _ = is.get(t, false)
	if is.hits.Load() != n {
		t.Error("no-store refetched inside MinRefetch")
	}
}

// TestRemoteUnknownKidRateLimited: refresh refetches at most once per
// MinRefetch whatever the number of unknown kids.
func TestRemoteUnknownKidRateLimited(t *testing.T) {
	is := newIssuer(t, nil)
	if _, err := is.get(t, false); err != nil {
		t.Fatal(err)
	}
	is.setKids("k1", "k2")
	for range 1000 {
		if _, err := is.get(t, true); err != nil {
			t.Fatal(err)
		}
	}
	if n := is.hits.Load(); n != 1 {
		t.Fatalf("%d fetches within MinRefetch", n) // the first Get fetched at t0
	}
	is.clk.add(DefaultMinRefetch)
	s, _ := is.get(t, true)
	if is.hits.Load() != 2 || len(s.Lookup("k2")) != 1 {
		t.Fatalf("refresh after MinRefetch: %d hits", is.hits.Load())
	}
}

// TestRemoteFailsClosed: with no set, a failed fetch is an error, and so
// is every call inside MinRefetch (no fetch per request against a
// failing issuer); a stale set serves through failures for MaxStale only.
func TestRemoteFailsClosed(t *testing.T) {
	is := newIssuer(t, func(c *Config) { c.MaxStale = 10 * time.Minute })
	is.set(func() { is.status = 500 })
	if _, err := is.get(t, false); err == nil {
		t.Fatal("500 with no cached set: no error")
	}
	if _, err := is.get(t, true); !errors.Is(err, ErrRateLimited) || is.hits.Load() != 1 {
		t.Fatalf("second call: %v, %d hits", err, is.hits.Load())
	}
	is.set(func() { is.status = 200 })
	is.clk.add(DefaultMinRefetch)
	s1, err := is.get(t, false)
	if err != nil {
		t.Fatal(err)
	}
	var stale atomic.Int32
	is.remote.cfg.OnStale = func(error) { stale.Add(1) }
	is.set(func() { is.status = 503 })
	is.clk.add(60*time.Second + 9*time.Minute)
	if s, err := is.get(t, false); err != nil || s != s1 || stale.Load() != 1 {
		t.Fatalf("stale set within MaxStale: %v, told %d", err, stale.Load())
	}
	is.clk.add(2 * time.Minute)
	if _, err := is.get(t, false); err == nil {
		t.Fatal("set served past MaxStale")
	}
}

// TestRemoteSizeCapAndTimeout: a body over MaxBytes and an issuer slower
// than Timeout are failures, not keys.
func TestRemoteSizeCapAndTimeout(t *testing.T) {
	is := newIssuer(t, func(c *Config) { c.MaxBytes = 100 })
	if _, err := is.get(t, false); err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") {
		t.Fatalf("oversized JWKS: %v", err)
	}
	slow := newIssuer(t, func(c *Config) { c.Timeout = 50 * time.Millisecond })
	slow.stall = make(chan struct{})
	defer close(slow.stall)
	start := time.Now()
	if _, err := slow.get(t, false); err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("slow issuer: %v after %v", err, time.Since(start))
	}
	bad := newIssuer(t, nil)
	bad.set(func() { bad.body = []byte(`<html>`) })
	if _, err := bad.get(t, false); err == nil {
		t.Fatal("non-JSON JWKS accepted")
	}
	failing := newIssuer(t, func(c *Config) {
		c.URL = func(context.Context) (string, error) { return "", errors.New("discovery down") }
	})
	if _, err := failing.get(t, false); err == nil || failing.hits.Load() != 0 {
		t.Fatalf("discovery failure: %v", err)
	}
}

func TestCacheMaxAge(t *testing.T) {
	def := 5 * time.Minute
	for cc, want := range map[string]time.Duration{
		"": def, "public, max-age=60": time.Minute, "MAX-AGE=0": 0, "no-store": 0, "no-cache, max-age=60": 0,
		"max-age=-1": def, "max-age=x": def, "max-age=99999999999": MaxAge, "max-age=86400": MaxAge,
	} {
		if got := CacheMaxAge(cc, def); got != want {
			t.Errorf("%q: %v, want %v", cc, got, want)
		}
	}
}
