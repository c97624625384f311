package federation

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// TestClaimMapping: the identity takes sub, email, name and groups from
// the claims the provider's mapping names (the OIDC Core §5.1 names by
// default), and acr, amr and auth_time as they are.
func TestClaimMapping(t *testing.T) {
	authTime := time.Now().Add(-time.Minute).Truncate(time.Second)
	cases := []struct {
		name    string
		mapping authcore.ClaimMapping
		claims  map[string]any
		want    authcore.ExternalIdentity
	}{
		{"defaults", authcore.ClaimMapping{},
			map[string]any{"sub": "u-1", "email": "a@corp.example", "name": "Alice", "groups": []any{"ops", "dev"},
				"acr": "urn:mfa", "amr": []any{"pwd", "otp"}, "auth_time": authTime.Unix()},
			authcore.ExternalIdentity{Subject: "u-1", Email: "a@corp.example", Name: "Alice", Groups: []string{"ops", "dev"},
				ACR: "urn:mfa", AMR: []string{"pwd", "otp"}, AuthTime: authTime}},
		{"mapped names", authcore.ClaimMapping{Subject: "oid", Email: "mail", Name: "display", Groups: "roles"},
			map[string]any{"sub": "ignored", "oid": "object-7", "mail": "b@corp.example", "email": "not@this.one",
				"display": "Bob", "name": "not this", "roles": "admin", "groups": []any{"not", "these"}},
			authcore.ExternalIdentity{Subject: "object-7", Email: "b@corp.example", Name: "Bob", Groups: []string{"admin"}}},
		{"wrong types dropped", authcore.ClaimMapping{},
			map[string]any{"sub": "u-1", "email": 7, "name": []any{"x"}, "groups": []any{"ok", 3, "", map[string]any{}},
				"amr": "pwd", "auth_time": "yesterday"},
			authcore.ExternalIdentity{Subject: "u-1", Groups: []string{"ok"}, AMR: []string{"pwd"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newFedEnv(t, func(p *authcore.IdentityProvider) {
				p.Claims = c.mapping
				p.Scopes, p.Resources = []string{"orders:read"}, []string{"https://api.example"}
			})
			claims := e.claims()
			delete(claims, "sub")
			for k, v := range c.claims {
				claims[k] = v
			}
			id, err := e.s.Identify(t.Context(), e.idp.sign(t, claims, jwsOpts{}), "")
			if err != nil {
				t.Fatal(err)
			}
			w := c.want
			if id.Subject != w.Subject || id.Email != w.Email || id.Name != w.Name || !slices.Equal(id.Groups, w.Groups) ||
				id.ACR != w.ACR || !slices.Equal(id.AMR, w.AMR) || !id.AuthTime.Equal(w.AuthTime) {
				t.Fatalf("identity %+v\nwant %+v", id, w)
			}
			if id.TokenID != claims["jti"] || id.ExpiresAt.Unix() != claims["exp"] ||
				!slices.Equal(id.Scopes, []string{"orders:read"}) || !slices.Equal(id.Resources, []string{"https://api.example"}) {
				t.Fatalf("token id, expiry or the provider's limits: %+v", id)
			}
		})
	}
}

// TestProvisioning: a new (iss, sub) creates one linked local user when
// the provider provisions and is refused when it does not; the user keeps
// an email only when the provider says it is verified; an email never
// links to an existing local user; a disabled or deleted linked user is
// refused.
func TestProvisioning(t *testing.T) {
	cases := []struct {
		name     string
		policy   string
		claims   map[string]any
		reason   string
		username string
		email    string
	}{
		{"create", authcore.ProvisionCreate, map[string]any{"sub": "u-1", "name": "Alice"}, "", "corp:u-1", ""},
		{"verified email kept", authcore.ProvisionCreate,
			map[string]any{"sub": "u-2", "email": "a@corp.example", "email_verified": true}, "", "corp:u-2", "a@corp.example"},
		{"unverified email dropped", authcore.ProvisionCreate,
			map[string]any{"sub": "u-3", "email": "a@corp.example", "email_verified": "true"}, "", "corp:u-3", ""},
		{"odd subject hashed", authcore.ProvisionCreate, map[string]any{"sub": "a b"}, "", username("corp", "a b"), ""},
		{"refuse", authcore.ProvisionRefuse, map[string]any{"sub": "u-4"}, ReasonNotProvisioned, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newFedEnv(t, func(p *authcore.IdentityProvider) { p.Provisioning = c.policy })
			// A local user with the same email exists: it must never be
			// the one a federated subject gets.
			local := authcore.User{ID: "local-alice", Username: "alice", Email: "a@corp.example"}
			if err := e.st.CreateUser(t.Context(), local); err != nil {
				t.Fatal(err)
			}
			identify := func() (authcore.ExternalIdentity, error) {
				claims := e.claims()
				for k, v := range c.claims {
					claims[k] = v
				}
				return e.s.Identify(t.Context(), e.idp.sign(t, claims, jwsOpts{}), "")
			}
			id, err := identify()
			if ReasonOf(err) != c.reason || (c.reason == "" && err != nil) {
				t.Fatalf("first use: %v, want %q", err, c.reason)
			}
			if c.reason != "" {
				if n := len(e.events.Of(audit.UserCreated)); n != 0 {
					t.Fatalf("%d users created on a refusal", n)
				}
				return
			}
			u, err := e.st.GetUser(t.Context(), id.UserID)
			if err != nil || id.UserID == local.ID || u.Username != c.username || u.Email != c.email {
				t.Fatalf("user %+v (%v), want username %q email %q, never %s", u, err, c.username, c.email, local.ID)
			}
			again, err := identify()
			if err != nil || again.UserID != id.UserID {
				t.Fatalf("second token of the same subject: %+v %v, want user %s", again, err, id.UserID)
			}
			if ev := e.events.Of(audit.UserCreated); len(ev) != 1 || ev[0].Subject != id.UserID || ev[0].Details["idp"] != "corp" {
				t.Fatalf("user.created events: %v", ev)
			}
		})
	}
}

// TestProvisioningLinkedUserState: a link to a disabled user is refused;
// deleting the user removes its links (the store does it in the same
// transaction), so the subject's next token makes a new user, never the
// deleted id again.
func TestProvisioningLinkedUserState(t *testing.T) {
	e := newFedEnv(t, nil)
	id, err := e.s.Identify(t.Context(), e.idp.sign(t, e.claims(), jwsOpts{}), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.UpdateUser(t.Context(), id.UserID, func(u authcore.User) (authcore.User, error) {
		u.Disabled = true
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Identify(t.Context(), e.idp.sign(t, e.claims(), jwsOpts{}), ""); ReasonOf(err) != ReasonUserDisabled {
		t.Fatalf("disabled user: %v", err)
	}
	if err := e.st.DeleteUser(t.Context(), id.UserID); err != nil {
		t.Fatal(err)
	}
	if again, err := e.s.Identify(t.Context(), e.idp.sign(t, e.claims(), jwsOpts{}), ""); err != nil || again.UserID == id.UserID {
		t.Fatalf("after the user was deleted: %+v %v, want a new user", again, err)
	}
}

// TestUsername: "<provider>:<sub>" when it is short and printable ASCII,
// else the provider and a hash of sub; never longer than maxUsernameLen
// for a provider id of the longest allowed shape.
func TestUsername(t *testing.T) {
	long := strings.Repeat("x", 32)
	for _, c := range []struct{ provider, sub, want string }{
		{"corp", "u-1", "corp:u-1"},
		{"corp", "a b", ""},
		{"corp", "tab\there", ""},
		{"corp", "é", ""},
		{"corp", strings.Repeat("s", 60), ""},
		{"corp", strings.Repeat("s", 59), "corp:" + strings.Repeat("s", 59)},
		{long, "u-1", long + ":u-1"},
		{long, strings.Repeat("s", 40), ""},
	} {
		got := username(c.provider, c.sub)
		hashed := strings.HasPrefix(got, c.provider+":") && len(got) == len(c.provider)+1+24
		if (c.want != "" && got != c.want) || (c.want == "" && !hashed) || len(got) > maxUsernameLen {
			t.Errorf("username(%q, %q) = %q, want %q (\"\": hashed)", c.provider, c.sub, got, c.want)
		}
		if c.want == "" && got == username(c.provider, c.sub+"x") {
			t.Errorf("two subjects share the username %q", got)
		}
	}
}
