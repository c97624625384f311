package multinode_test

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// claimsOf reads a JWT's header kid and jti without verifying it.
func claimsOf(t *testing.T, tok string) (kid, jti string) {
	t.Helper()
	h, c := testsupport.DecodeJWT(t, tok)
	kid, _ = h["kid"].(string)
	jti, _ = c["jti"].(string)
	return kid, jti
}

// follow subscribes to to's revocation feed once to has begun following
// the other nodes: a revocation made at from must come through. (The
// first round of following ends the subscriptions made before it.)
func follow(t *testing.T, from, to *node) (<-chan authcore.Revocation, func()) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		ch, cancel := to.srv.Feed.Subscribe()
		jti := "warm-up-" + time.Now().Format(time.RFC3339Nano)
		if err := from.srv.Store.RevokeAccessToken(context.Background(), authcore.Revocation{JTI: jti, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, ok := await(ch, jti, 2*time.Second); ok {
			return ch, cancel
		}
		cancel()
	}
	t.Fatal("the node never passed on another node's revocation")
	return nil, nil
}

// await reads ch until jti comes (true) or d passes or ch closes (false).
func await(ch <-chan authcore.Revocation, jti string, d time.Duration) (time.Duration, bool) {
	start := time.Now()
	timeout := time.After(d)
	for {
		select {
		case rv, ok := <-ch:
			if !ok {
				return 0, false
			}
			if rv.JTI == jti {
				return time.Since(start), true
			}
		case <-timeout:
			return 0, false
		}
	}
}

// TestRevocationReachesEveryNode: a token issued at A and revoked at B
// is refused by C's embedded gateway and introspection, and goes out on
// C's revocation feed, within a second; both of C's verified-token
// caches had it before.
func TestRevocationReachesEveryNode(t *testing.T) {
	issuer, nodes := startCluster(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	id, secret := service(t, a, issuer)
	feed, cancel := follow(t, a, c)
	defer cancel()

	tok := token(t, a.url, id, secret)
	_, jti := claimsOf(t, tok)
	for _, n := range nodes {
		if got := get(t, n.url, "/demo/api/orders", tok); got != 200 {
			t.Fatalf("%s before revocation: %d", n.url, got)
		}
		for range 2 { // the second answer comes from the cache
			if _, in := post(t, n.url, "/introspect", id, secret, url.Values{"token": {tok}}); in["active"] != true {
				t.Fatalf("%s introspection before revocation: %v", n.url, in)
			}
		}
	}
	if code, _ := post(t, b.url, "/revoke", id, secret, url.Values{"token": {tok}}); code != 200 {
		t.Fatalf("revoke at B: %d", code)
	}
	if took, ok := await(feed, jti, time.Second); !ok {
		t.Fatal("C's feed did not pass on the revocation made at B within 1 s")
	} else {
		t.Logf("C's feed passed it on after %v", took)
	}
	within(t, time.Second, "C's gateway refuses", func() bool { return get(t, c.url, "/demo/api/orders", tok) == 401 })
	if _, in := post(t, c.url, "/introspect", id, secret, url.Values{"token": {tok}}); in["active"] != false {
		t.Fatalf("C's introspection after revocation: %v", in)
	}
}

// TestKeyRevocationReachesEveryNode: an emergency key revocation at A
// reaches B's key set, and so the generation of B's verified-token
// caches: B's gateway and introspection, which had the token cached,
// refuse it within a second.
func TestKeyRevocationReachesEveryNode(t *testing.T) {
	issuer, nodes := startCluster(t, 2)
	a, b := nodes[0], nodes[1]
	id, secret := service(t, a, issuer)
	tok := token(t, a.url, id, secret)
	kid, _ := claimsOf(t, tok)
	for range 2 {
		if got := get(t, b.url, "/demo/api/orders", tok); got != 200 {
			t.Fatalf("B before key revocation: %d", got)
		}
		if _, in := post(t, b.url, "/introspect", id, secret, url.Values{"token": {tok}}); in["active"] != true {
			t.Fatalf("B introspection before key revocation: %v", in)
		}
	}
	if err := a.srv.Keys.Revoke(context.Background(), kid, "test", "key material leaked"); err != nil {
		t.Fatal(err)
	}
	took := within(t, time.Second, "B's gateway refuses", func() bool { return get(t, b.url, "/demo/api/orders", tok) == 401 })
	t.Logf("B refused the token %v after the key revocation at A", took)
	if _, in := post(t, b.url, "/introspect", id, secret, url.Values{"token": {tok}}); in["active"] != false {
		t.Fatalf("B introspection after key revocation: %v", in)
	}
}

// TestRevocationLatency measures how long a revocation committed at A
// takes to go out on C's feed, over 100 revocations, and fails past 1 s.
func TestRevocationLatency(t *testing.T) {
	_, nodes := startCluster(t, 3)
	a, c := nodes[0], nodes[2]
	feed, cancel := follow(t, a, c)
	defer cancel()
	var took []time.Duration
	for i := range 100 {
		jti := "lat-" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		start := time.Now()
		if err := a.srv.Store.RevokeAccessToken(context.Background(), authcore.Revocation{JTI: jti, ExpiresAt: start.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, ok := await(feed, jti, 2*time.Second); !ok {
			t.Fatalf("revocation %d (%s) did not reach C within 2 s", i, jti)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	t.Logf("revocation at A -> C's feed, 100 revocations: p50 %v, p90 %v, max %v",
		took[len(took)/2], took[len(took)*9/10], took[len(took)-1])
	if took[len(took)-1] > time.Second {
		t.Errorf("slowest revocation took %v, more than 1 s", took[len(took)-1])
	}
}
