package oauth

import (
	"net/url"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/audit"
)

// tokens runs a code flow for c and returns the token response.
func (e *env) tokens(c testClient) tokenReply {
	e.t.Helper()
	v := oauth2.GenerateVerifier()
	r := e.redeem(c, e.code(c, v), v)
	if r.status != 200 {
		e.t.Fatalf("redeem: %d %s", r.status, r.raw)
	}
	return r
}

func (e *env) refresh(c testClient, rt string, extra ...string) tokenReply {
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	for i := 0; i < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return e.post("/token", f, e.auth(c, f))
}

// TestRefresh covers rotation, narrowing, widening, client binding and
// reuse detection (docs/security.md TOK-05, TOK-12, TOK-13).
func TestRefresh(t *testing.T) {
	e := newEnv(t)
	t.Run("narrow then widen", func(t *testing.T) {
		first := e.tokens(e.native)
		r := e.refresh(e.native, first.str("refresh_token"), "scope", "orders:read")
		if r.status != 200 || r.str("scope") != "orders:read" {
			t.Fatalf("narrow: %d %s", r.status, r.raw)
		}
		// The new refresh token keeps the grant's scope: the original set
		// is still allowed, a wider one is not.
		if w := e.refresh(e.native, r.str("refresh_token"), "scope", "orders:read profile"); w.status != 400 || w.str("error") != "invalid_scope" {
			t.Fatalf("widen: %d %s", w.status, w.raw)
		}
		if w := e.refresh(e.native, r.str("refresh_token"), "scope", "openid offline_access orders:read"); w.status != 200 {
			t.Fatalf("original scope: %d %s", w.status, w.raw)
		}
	})
	t.Run("other client", func(t *testing.T) {
		first := e.tokens(e.web)
		if r := e.refresh(e.web2, first.str("refresh_token")); r.status != 400 || r.str("error") != "invalid_grant" {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
		if r := e.refresh(e.web, first.str("refresh_token")); r.status != 200 {
			t.Fatalf("owner after foreign attempt: %d %s", r.status, r.raw)
		}
	})
	t.Run("reuse revokes the family", func(t *testing.T) {
		first := e.tokens(e.native)
		second := e.refresh(e.native, first.str("refresh_token"))
		if second.status != 200 {
			t.Fatal(second.raw)
		}
		if !e.active(e.rs, first.str("access_token")) || !e.active(e.rs, second.str("access_token")) {
			t.Fatal("tokens should be active before the reuse")
		}
		if r := e.refresh(e.native, first.str("refresh_token")); r.status != 400 || r.str("error") != "invalid_grant" {
			t.Fatalf("reuse: %d %s", r.status, r.raw)
		}
		if r := e.refresh(e.native, second.str("refresh_token")); r.status != 400 || r.str("error") != "invalid_grant" {
			t.Fatalf("successor: %d %s", r.status, r.raw)
		}
		for _, at := range []string{first.str("access_token"), second.str("access_token")} {
			if e.active(e.rs, at) {
				t.Fatal("access token still active after family revocation")
			}
		}
		if e.rec.count(audit.RefreshReuse) != 1 {
			t.Fatalf("refresh.reuse_detected events: %d", e.rec.count(audit.RefreshReuse))
		}
	})
	t.Run("missing refresh_token", func(t *testing.T) {
		if r := e.refresh(e.native, ""); r.status != 400 || r.str("error") != "invalid_request" {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
}

// TestConcurrentRedemption: 50 goroutines redeem one code, and 50 refresh
// one token; exactly one wins each (docs/security.md RL-03, RL-04).
func TestConcurrentRedemption(t *testing.T) {
	e := newEnv(t)
	race := func(do func() tokenReply) (wins int, winner tokenReply) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := do()
				mu.Lock()
				defer mu.Unlock()
				switch {
				case r.status == 200:
					wins, winner = wins+1, r
				case r.status != 400 || r.str("error") != "invalid_grant":
					t.Errorf("loser got %d %s", r.status, r.raw)
				}
			}()
		}
		wg.Wait()
		return wins, winner
	}
	// The losers replayed a valid code (or a spent refresh token), so the
	// winner's tokens are revoked afterwards (OAuth 2.1 §7.5.2, §4.3.1).
	v := oauth2.GenerateVerifier()
	code := e.code(e.web, v)
	wins, w := race(func() tokenReply { return e.redeem(e.web, code, v) })
	if wins != 1 || e.active(e.rs, w.str("access_token")) {
		t.Fatalf("code: %d winners, winner active=%v", wins, e.active(e.rs, w.str("access_token")))
	}
	rt := e.tokens(e.native).str("refresh_token")
	wins, w = race(func() tokenReply { return e.refresh(e.native, rt) })
	if wins != 1 || e.active(e.rs, w.str("access_token")) {
		t.Fatalf("refresh: %d winners", wins)
	}
}
