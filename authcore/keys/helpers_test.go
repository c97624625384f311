package keys

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// memKeys is an in-memory authcore.Keyset: every write is all or
// nothing and bumps the version, and failPut simulates a crash before
// the commit.
type memKeys struct {
	mu      sync.Mutex
	keys    map[string]authcore.SigningKey
	version int64
	puts    int
	failPut error
	// onList, when set, runs after every ListSigningKeys read: a test
	// holds readers there to line up a race.
	onList func()
}

func newMemKeys() *memKeys { return &memKeys{keys: map[string]authcore.SigningKey{}} }

func (s *memKeys) ListSigningKeys(context.Context) ([]authcore.SigningKey, error) {
	s.mu.Lock()
	out := make([]authcore.SigningKey, 0, len(s.keys))
	for _, k := range s.keys {
		k.PrivateDER = bytes.Clone(k.PrivateDER)
		out = append(out, k)
	}
	hook := s.onList
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return out, nil
}

func (s *memKeys) PutSigningKeys(_ context.Context, keys ...authcore.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failPut != nil {
		return s.failPut
	}
	s.puts++
	s.version++
	for _, k := range keys {
		k.PrivateDER = bytes.Clone(k.PrivateDER)
		s.keys[k.ID] = k
	}
	return nil
}

func (s *memKeys) SigningKeysVersion(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version, nil
}

func (s *memKeys) SwapSigningKeys(ctx context.Context, version int64, put []authcore.SigningKey, remove []string) (int64, error) {
	s.mu.Lock()
	if s.failPut != nil {
		s.mu.Unlock()
		return 0, s.failPut
	}
	if s.version != version {
		s.mu.Unlock()
		return 0, authcore.ErrConflict
	}
	for _, id := range remove {
		delete(s.keys, id)
	}
	s.mu.Unlock()
	if err := s.PutSigningKeys(ctx, put...); err != nil {
		return 0, err
	}
	return s.SigningKeysVersion(ctx)
}

func (s *memKeys) DeleteSigningKey(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[id]; !ok {
		return authcore.ErrNotFound
	}
	delete(s.keys, id)
	s.version++
	return nil
}

func (s *memKeys) get(id string) authcore.SigningKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[id]
}

func (s *memKeys) putCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.puts
}

// env is one manager on a fake store and clock.
type env struct {
	m     *Manager
	store *memKeys
	clock *testsupport.Clock
	ev    *testsupport.Events
	cfg   Config
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testConfig: small periods so a fake clock walks through lifecycles.
func testConfig(store authcore.Keyset, clock *testsupport.Clock, ev *testsupport.Events) Config {
	return Config{Store: store, Audit: ev, Logger: zerolog.Nop(), Now: clock.Now,
		Issuer: "https://as.example", JWKSMaxAge: 10 * time.Minute, RotationPeriod: time.Hour,
		// ES256 alone unless a test asks for more: an RSA key costs about
		// a second under -race (TestDefaultAlgorithmsKeepRS256 keeps the default).
		Algorithms:       []string{ES256},
		MaxTokenLifetime: 15 * time.Minute, Leeway: 30 * time.Second}
}

func newEnv(t testing.TB, edit func(*Config)) *env {
	t.Helper()
	e := &env{store: newMemKeys(), clock: testsupport.NewClock(t0), ev: &testsupport.Events{}}
	e.cfg = testConfig(e.store, e.clock, e.ev)
	if edit != nil {
		edit(&e.cfg)
	}
	e.m = e.restart(t)
	return e
}

// restart opens a new Manager on the same store, as a new process would.
func (e *env) restart(t testing.TB) *Manager {
	t.Helper()
	m, err := New(context.Background(), e.cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

func claimsFor(now time.Time, life time.Duration) *jwt.RegisteredClaims {
	return &jwt.RegisteredClaims{Issuer: "https://as.example", Subject: "alice", Audience: jwt.ClaimStrings{"https://api.example"},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(life)), ID: "jti-1"}
}

func (e *env) sign(t testing.TB, alg string) string {
	t.Helper()
	tok, err := e.m.Sign(alg, "at+jwt", claimsFor(e.clock.Now(), 5*time.Minute))
	if err != nil {
		t.Fatalf("Sign(%q): %v", alg, err)
	}
	return tok
}

func (e *env) verify(tok string) (string, error) {
	return e.m.Verify(tok, "at+jwt", &jwt.RegisteredClaims{})
}

// byState returns the kids in state st for alg, from Keys().
func byState(m *Manager, alg string, st authcore.KeyState) []string {
	var out []string
	for _, k := range m.Keys() {
		if k.Algorithm == alg && k.State == st {
			out = append(out, k.ID)
		}
	}
	return out
}

// checkInvariants: one active and at least one next key per algorithm in
// use, both published, in memory and in the store alike (RL-09).
func checkInvariants(t testing.TB, m *Manager, store *memKeys) {
	t.Helper()
	body, _ := m.JWKS()
	kids := jwksKids(t, body)
	stored, _ := store.ListSigningKeys(context.Background())
	for _, alg := range m.Algorithms() {
		act, next := byState(m, alg, authcore.KeyActive), byState(m, alg, authcore.KeyNext)
		if len(act) != 1 || len(next) < 1 {
			t.Fatalf("%s: active %v next %v", alg, act, next)
		}
		for _, kid := range append(act, next...) {
			if !slices.Contains(kids, kid) {
				t.Fatalf("%s key %s not in the JWKS %s", alg, kid, body)
			}
			if !slices.ContainsFunc(stored, func(k authcore.SigningKey) bool { return k.ID == kid }) {
				t.Fatalf("%s key %s not in the store", alg, kid)
			}
		}
	}
}

func mustErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

// countRequests counts requests reaching h.
func countRequests(n *atomic.Int32, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	})
}
