package keys

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
)

var errKidMissing = errors.New("relying party lacks the kid")

// cachingRP is the strictest relying party the staging must satisfy: it
// keeps the JWKS for exactly its Cache-Control max-age and never
// refetches on an unknown kid.
type cachingRP struct {
	m       *Manager
	now     func() time.Time
	fetched time.Time
	maxAge  time.Duration
	keys    map[string]jose.JSONWebKey
	fetches int
}

func (rp *cachingRP) refresh(t testing.TB) {
	t.Helper()
	if rp.keys != nil && rp.now().Sub(rp.fetched) < rp.maxAge {
		return
	}
	w := httptest.NewRecorder()
	rp.m.ServeHTTP(w, httptest.NewRequest("GET", "/jwks.json", nil))
	sec, err := strconv.Atoi(strings.TrimPrefix(w.Header().Get("Cache-Control"), "public, max-age="))
	if err != nil {
		t.Fatalf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(w.Body.Bytes(), &set); err != nil {
		t.Fatal(err)
	}
	rp.keys = map[string]jose.JSONWebKey{}
	for _, k := range set.Keys {
		rp.keys[k.KeyID] = k
	}
	rp.fetched, rp.maxAge = rp.now(), time.Duration(sec)*time.Second
	rp.fetches++
}

func (rp *cachingRP) verify(tok string) (string, error) {
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.PS256, jose.EdDSA})
	if err != nil {
		return "", err
	}
	kid := jws.Signatures[0].Header.KeyID
	k, ok := rp.keys[kid]
	if !ok {
		return kid, errKidMissing
	}
	_, err = jws.Verify(k)
	return kid, err
}

type signed struct {
	tok string
	exp time.Time
}

// TestCachingRelyingPartyThroughRotations (issue 5, RL-06): tokens are
// signed continuously while the clock walks through scheduled and manual
// rotations; a relying party that caches the JWKS for max-age never meets
// a kid it lacks, and go-oidc's remote key set verifies every token.
func TestCachingRelyingPartyThroughRotations(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Algorithms = []string{ES256, EdDSA} })
	rp := &cachingRP{m: e.m, now: e.clock.Now}
	var oidcFetches atomic.Int32
	srv := httptest.NewServer(countRequests(&oidcFetches, e.m))
	defer srv.Close()
	remote := oidc.NewRemoteKeySet(ctx, srv.URL)

	tokens := make(chan signed, 8)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 4 {
		alg := []string{ES256, EdDSA}[i%2]
		wg.Go(func() {
			for {
				c := claimsFor(e.clock.Now(), 10*time.Minute)
				tok, err := e.m.Sign(alg, "at+jwt", c)
				if err != nil {
					t.Errorf("Sign: %v", err)
					return
				}
				select {
				case tokens <- signed{tok, c.ExpiresAt.Time}:
				case <-stop:
					return
				}
			}
		})
	}
	signers := map[string]bool{}
	for step := range 300 { // five simulated hours, a minute a step
		e.clock.Advance(time.Minute)
		if step%47 == 46 {
			if err := e.m.Rotate(ctx, "", "admin"); err != nil {
				t.Fatal(err)
			}
		}
		e.tick(t)
		rp.refresh(t)
		for i := range 8 {
			s := <-tokens
			if e.clock.Now().After(s.exp) {
				continue // signed several steps ago and since expired
			}
			kid, err := rp.verify(s.tok)
			if err != nil {
				t.Fatalf("step %d: relying party: kid %s: %v (cached at %s)", step, kid, err, rp.fetched)
			}
			if _, err := e.verify(s.tok); err != nil {
				t.Fatalf("step %d: Verify: %v", step, err)
			}
			if i == 0 {
				if _, err := remote.VerifySignature(ctx, s.tok); err != nil {
					t.Fatalf("step %d: go-oidc: %v", step, err)
				}
			}
			signers[kid] = true
		}
	}
	close(stop)
	wg.Wait()
	if len(signers) < 2*4 { // at least three rotations per algorithm
		t.Fatalf("%d keys signed, want at least 8", len(signers))
	}
	t.Logf("%d signing keys, relying party fetched %d times, go-oidc %d times", len(signers), rp.fetches, oidcFetches.Load())
}

// TestCachingRPHarnessCatchesEarlyPromotion is the control: a next key
// that signs before max-age has passed (only an emergency does that) is
// a kid the caching relying party lacks.
func TestCachingRPHarnessCatchesEarlyPromotion(t *testing.T) {
	e := newEnv(t, nil)
	rp := &cachingRP{m: e.m, now: e.clock.Now}
	rp.refresh(t)
	e.clock.Advance(5 * time.Minute)
	for range 2 { // the active key, then the next that took over
		if err := e.m.Revoke(ctx, byState(e.m, ES256, authcore.KeyActive)[0], "admin", "drill"); err != nil {
			t.Fatal(err)
		}
	}
	rp.refresh(t)
	if _, err := rp.verify(e.sign(t, "")); !errors.Is(err, errKidMissing) {
		t.Fatalf("harness missed an early promotion: %v", err)
	}
	if _, err := e.m.Verify(e.sign(t, ""), "at+jwt", &jwt.RegisteredClaims{}); err != nil {
		t.Fatalf("the server itself must still verify: %v", err)
	}
}
