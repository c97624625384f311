package oauth

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// latchkey:admin is granted only to users with the admin role (issue 16,
// weak: admin tokens). A non-admin who asks for it signs in and gets a
// token without it (the scope answer says so; the consent does not hold
// it); an administrator gets it; an administrator demoted since loses it
// at the next refresh.
func TestAdminScopeOnlyForAdmins(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, u := range []authcore.User{{ID: "root", Username: "root", Admin: true}} { // alice: newEnv
		if err := e.store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	c := e.client(ClientSpec{Name: "console-like", Type: authcore.Public, RedirectURIs: []string{"http://127.0.0.1/cb"},
		GrantTypes: []string{authcore.GrantAuthorizationCode, authcore.GrantRefreshToken},
		Scopes:     []string{"openid", "offline_access", AdminScope}})
	signIn := func(user string) tokenReply {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		base, _ := url.Parse(e.ts.URL)
		jar.SetCookies(base, []*http.Cookie{{Name: "sid", Value: user, Path: "/"}})
		b := e.browser()
		b.Jar = jar
		q := authParams(c, "verifier-"+strings.Repeat("x", 40))
		q.Set("scope", "openid offline_access "+AdminScope)
		resp, err := b.Get(e.ts.URL + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if loc == nil || loc.Query().Get("code") == "" {
			t.Fatalf("%s: authorize %d %q", user, resp.StatusCode, resp.Header.Get("Location"))
		}
		r := e.redeem(c, loc.Query().Get("code"), "verifier-"+strings.Repeat("x", 40))
		if r.status != 200 {
			t.Fatalf("%s: redeem %d %s", user, r.status, r.raw)
		}
		return r
	}
	hasAdmin := func(r tokenReply) (inAnswer, inToken bool) {
		_, claims := testsupport.DecodeJWT(t, r.str("access_token"))
		sc, _ := claims["scope"].(string)
		return slices.Contains(strings.Fields(r.str("scope")), AdminScope), slices.Contains(strings.Fields(sc), AdminScope)
	}

	alice := signIn("alice")
	if a, tk := hasAdmin(alice); a || tk {
		t.Fatalf("a non-admin was granted %s: answer %v, token %v (%s)", AdminScope, a, tk, alice.raw)
	}
	if !strings.Contains(alice.str("scope"), "openid") {
		t.Errorf("the rest of the scope went too: %q", alice.str("scope"))
	}
	if cs, err := e.store.GetConsent(ctx, "alice", c.ID); err != nil || slices.Contains(cs.Scopes, AdminScope) {
		t.Errorf("alice's consent: %+v %v", cs, err)
	}
	refresh := func(rt string) tokenReply {
		f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
		return e.post("/token", f, e.auth(c, f))
	}
	if r := refresh(alice.str("refresh_token")); r.status != 200 {
		t.Fatalf("alice refresh: %d %s", r.status, r.raw)
	} else if a, tk := hasAdmin(r); a || tk {
		t.Fatalf("refresh granted a non-admin %s", AdminScope)
	}

	root := signIn("root")
	if a, tk := hasAdmin(root); !a || !tk {
		t.Fatalf("the administrator lacks %s: %s", AdminScope, root.raw)
	}
	if err := e.store.UpdateUser(ctx, "root", func(u authcore.User) (authcore.User, error) { u.Admin = false; return u, nil }); err != nil {
		t.Fatal(err)
	}
	if r := refresh(root.str("refresh_token")); r.status != 200 {
		t.Fatalf("root refresh: %d %s", r.status, r.raw)
	} else if a, tk := hasAdmin(r); a || tk {
		t.Fatalf("a demoted administrator's refresh kept %s: %s", AdminScope, r.raw)
	}
}
