package oauth

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/authcore"
)

// lifetime gets a client_credentials token for c and returns expires_in
// and the JWT's exp - iat, in seconds.
func (e *env) lifetime(c testClient) (int64, int64) {
	e.t.Helper()
	r := e.post("/token", url.Values{"grant_type": {"client_credentials"}}, &c)
	if r.status != http.StatusOK {
		e.t.Fatalf("token: %d %s", r.status, r.raw)
	}
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(r.str("access_token"), &claims); err != nil {
		e.t.Fatal(err)
	}
	in, _ := r.body["expires_in"].(float64)
	return int64(in), claims.ExpiresAt.Unix() - claims.IssuedAt.Unix()
}

// A new default access-token lifetime applies to the next token, with no
// restart; a client's own lifetime still wins.
func TestSetPolicyAccessTokenLifetime(t *testing.T) {
	e := newEnv(t)
	if in, life := e.lifetime(e.svc); in != 600 || life != 600 {
		t.Fatalf("default: expires_in %d, exp-iat %d; want 600", in, life)
	}
	p := e.srv.Policy()
	p.AccessTokenTTL = 2 * time.Minute
	if err := e.srv.SetPolicy(p); err != nil {
		t.Fatal(err)
	}
	if in, life := e.lifetime(e.svc); in != 120 || life != 120 {
		t.Fatalf("after SetPolicy: expires_in %d, exp-iat %d; want 120", in, life)
	}
	own := e.client(ClientSpec{Name: "own", GrantTypes: []string{authcore.GrantClientCredentials},
		Scopes: []string{"orders:read"}, AccessTokenTTL: 5 * time.Minute})
	if in, life := e.lifetime(own); in != 300 || life != 300 {
		t.Fatalf("client's own lifetime: expires_in %d, exp-iat %d; want 300", in, life)
	}
	if got := e.srv.Policy().RefreshTokenTTL; got != DefaultRefreshTokenTTL {
		t.Fatalf("refresh lifetime changed to %v", got)
	}
	if err := e.srv.SetPolicy(Policy{AccessTokenTTL: -time.Second}); err == nil {
		t.Fatal("negative lifetime accepted")
	}
}

// A new default refresh-token lifetime applies to the next family.
func TestSetPolicyRefreshTokenLifetime(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.SetPolicy(Policy{RefreshTokenTTL: 2 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if got := e.srv.refreshTTL(e.web.Client); got != 2*time.Hour {
		t.Fatalf("refreshTTL = %v", got)
	}
	verifier := oauth2.GenerateVerifier()
	r := e.redeem(e.web, e.code(e.web, verifier), verifier)
	if r.status != http.StatusOK || r.str("refresh_token") == "" {
		t.Fatalf("redeem: %d %s", r.status, r.raw)
	}
	e.clock.Advance(time.Hour)
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r.str("refresh_token")}}
	if r = e.post("/token", f, &e.web); r.status != http.StatusOK {
		t.Fatalf("refresh within the family lifetime: %d %s", r.status, r.raw)
	}
	e.clock.Advance(time.Hour + time.Minute)
	f.Set("refresh_token", r.str("refresh_token"))
	if r := e.post("/token", f, &e.web); r.status != http.StatusBadRequest || r.str("error") != CodeInvalidGrant {
		t.Fatalf("refresh after the new family lifetime: %d %s", r.status, r.raw)
	}
}

// Lowering the per-client ceiling to 1/m takes effect on the next
// request: past the burst, 429 temporarily_unavailable with Retry-After.
func TestSetPolicyClientCeiling(t *testing.T) {
	e := newEnv(t)
	f := url.Values{"grant_type": {"client_credentials"}}
	for range 5 {
		if r := e.post("/token", f, &e.svc); r.status != http.StatusOK {
			t.Fatalf("no ceiling: %d %s", r.status, r.raw)
		}
	}
	if err := e.srv.SetPolicy(Policy{ClientRate: rate.Every(time.Minute), ClientBurst: 1,
		IPRate: rate.Inf, AuthFailureRate: rate.Inf}); err != nil {
		t.Fatal(err)
	}
	if r := e.post("/token", f, &e.svc); r.status != http.StatusOK {
		t.Fatalf("first under 1/m: %d %s", r.status, r.raw)
	}
	r := e.post("/token", f, &e.svc)
	if r.status != http.StatusTooManyRequests || r.str("error") != CodeTemporarilyUnavailable ||
		r.header.Get("Retry-After") == "" {
		t.Fatalf("second under 1/m: %d %v %s", r.status, r.header, r.raw)
	}
	if r := e.post("/token", f, &e.rs); r.status != http.StatusOK {
		t.Fatalf("another client is not limited by svc's bucket: %d %s", r.status, r.raw)
	}
	// Raising the burst does not refill what svc has spent.
	if err := e.srv.SetPolicy(Policy{ClientRate: rate.Every(time.Minute), ClientBurst: 10,
		IPRate: rate.Inf, AuthFailureRate: rate.Inf}); err != nil {
		t.Fatal(err)
	}
	if r := e.post("/token", f, &e.svc); r.status != http.StatusTooManyRequests {
		t.Fatalf("a larger burst handed out a fresh one: %d", r.status)
	}
	e.clock.Advance(time.Minute)
	if r := e.post("/token", f, &e.svc); r.status != http.StatusOK {
		t.Fatalf("after a minute: %d %s", r.status, r.raw)
	}
	if err := e.srv.SetPolicy(Policy{ClientRate: rate.Inf, IPRate: rate.Inf, AuthFailureRate: rate.Inf}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if r := e.post("/token", f, &e.svc); r.status != http.StatusOK {
			t.Fatalf("ceiling off: %d %s", r.status, r.raw)
		}
	}
}

// The per-IP ceiling changes live too.
func TestSetPolicyIPCeiling(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.SetPolicy(Policy{ClientRate: rate.Inf, IPRate: rate.Every(time.Hour), IPBurst: 2,
		AuthFailureRate: rate.Inf}); err != nil {
		t.Fatal(err)
	}
	f := url.Values{"grant_type": {"client_credentials"}}
	for i, want := range []int{200, 200, 429} {
		if r := e.post("/token", f, &e.svc); r.status != want {
			t.Fatalf("request %d: %d, want %d", i, r.status, want)
		}
	}
}

// The failed-authentication guard takes a new burst live.
func TestSetPolicyAuthFailureGuard(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.SetPolicy(Policy{ClientRate: rate.Inf, IPRate: rate.Inf,
		AuthFailureRate: rate.Every(time.Minute), AuthFailureBurst: 2}); err != nil {
		t.Fatal(err)
	}
	f := url.Values{"grant_type": {"client_credentials"}}
	wrong := e.svc
	wrong.secret = "wrong-secret"
	for i, want := range []int{401, 401, 429} {
		if r := e.post("/token", f, &wrong); r.status != want {
			t.Fatalf("attempt %d: %d, want %d", i, r.status, want)
		}
	}
}

// SetPolicy while /token is busy: no race, every answer a 200 or a 429.
func TestSetPolicyConcurrent(t *testing.T) {
	e := newEnv(t)
	f := url.Values{"grant_type": {"client_credentials"}}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				if r := e.post("/token", f, &e.svc); r.status != http.StatusOK && r.status != http.StatusTooManyRequests {
					t.Errorf("token: %d %s", r.status, r.raw)
				}
			}
		})
	}
	for i := range 20 {
		p := Policy{AccessTokenTTL: time.Duration(i+1) * time.Minute, ClientRate: rate.Limit(i + 1), ClientBurst: i + 1}
		if err := e.srv.SetPolicy(p); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
}
