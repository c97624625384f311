package federation

import (
	"errors"
	"testing"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// TestNormalize: what AddProvider and UpdateProvider accept, the defaults
// they fill, and each refusal (always ErrInvalidProvider, which the
// console and CLI show as a field error).
func TestNormalize(t *testing.T) {
	base := func() authcore.IdentityProvider {
		return authcore.IdentityProvider{ID: "corp", Issuer: "https://login.corp.example", Audiences: []string{"app"}}
	}
	valid := []struct {
		name  string
		edit  func(*authcore.IdentityProvider)
		check func(authcore.IdentityProvider) bool
	}{
		{"defaults: display name from the host, provisioning refuse", nil, func(p authcore.IdentityProvider) bool {
			return p.DisplayName == "login.corp.example" && p.Provisioning == authcore.ProvisionRefuse
		}},
		{"own display name kept", func(p *authcore.IdentityProvider) { p.DisplayName = "Corp SSO" },
			func(p authcore.IdentityProvider) bool { return p.DisplayName == "Corp SSO" }},
		{"client id instead of audiences", func(p *authcore.IdentityProvider) { p.Audiences, p.ClientID = nil, "latchkey" }, nil},
		{"client id and secret", func(p *authcore.IdentityProvider) { p.ClientID, p.ClientSecret = "latchkey", "s3cret" }, nil},
		{"http on loopback", func(p *authcore.IdentityProvider) { p.Issuer = "http://127.0.0.1:9000" }, nil},
		{"http on localhost with a path", func(p *authcore.IdentityProvider) { p.Issuer = "http://localhost:9000/realms/a" }, nil},
		{"http on ::1", func(p *authcore.IdentityProvider) { p.Issuer = "http://[::1]:9000" }, nil},
		{"allowed algorithms", func(p *authcore.IdentityProvider) { p.Algorithms = []string{"ES256", "EdDSA"} }, nil},
		{"provisioning create", func(p *authcore.IdentityProvider) { p.Provisioning = authcore.ProvisionCreate },
			func(p authcore.IdentityProvider) bool { return p.Provisioning == authcore.ProvisionCreate }},
		{"longest id", func(p *authcore.IdentityProvider) { p.ID = "a123456789012345678901234567890b" }, nil},
	}
	for _, c := range valid {
		p := base()
		if c.edit != nil {
			c.edit(&p)
		}
		if err := normalize(&p); err != nil || (c.check != nil && !c.check(p)) {
			t.Errorf("%s: %v, %+v", c.name, err, p)
		}
	}
	invalid := map[string]func(*authcore.IdentityProvider){
		"empty id":               func(p *authcore.IdentityProvider) { p.ID = "" },
		"upper-case id":          func(p *authcore.IdentityProvider) { p.ID = "Corp" },
		"id with a slash":        func(p *authcore.IdentityProvider) { p.ID = "a/b" },
		"id starting with -":     func(p *authcore.IdentityProvider) { p.ID = "-corp" },
		"id of 33":               func(p *authcore.IdentityProvider) { p.ID = "a1234567890123456789012345678901b" },
		"no issuer":              func(p *authcore.IdentityProvider) { p.Issuer = "" },
		"http issuer elsewhere":  func(p *authcore.IdentityProvider) { p.Issuer = "http://login.corp.example" },
		"http on 10.0.0.1":       func(p *authcore.IdentityProvider) { p.Issuer = "http://10.0.0.1" },
		"issuer with a query":    func(p *authcore.IdentityProvider) { p.Issuer = "https://login.corp.example?x=1" },
		"issuer with a fragment": func(p *authcore.IdentityProvider) { p.Issuer = "https://login.corp.example#x" },
		"issuer with userinfo":   func(p *authcore.IdentityProvider) { p.Issuer = "https://u:p@login.corp.example" },
		"relative issuer":        func(p *authcore.IdentityProvider) { p.Issuer = "/realms/a" },
		"ftp issuer":             func(p *authcore.IdentityProvider) { p.Issuer = "ftp://login.corp.example" },
		"alg none":               func(p *authcore.IdentityProvider) { p.Algorithms = []string{"none"} },
		"alg HS256":              func(p *authcore.IdentityProvider) { p.Algorithms = []string{"ES256", "HS256"} },
		"unknown provisioning":   func(p *authcore.IdentityProvider) { p.Provisioning = "merge-by-email" },
		"neither aud nor client": func(p *authcore.IdentityProvider) { p.Audiences = nil },
		"secret without client":  func(p *authcore.IdentityProvider) { p.ClientSecret = "s3cret" },
		"empty audience":         func(p *authcore.IdentityProvider) { p.Audiences = []string{"app", ""} },
		"empty scope":            func(p *authcore.IdentityProvider) { p.Scopes = []string{""} },
		"empty resource":         func(p *authcore.IdentityProvider) { p.Resources = []string{""} },
	}
	for name, edit := range invalid {
		p := base()
		edit(&p)
		if err := normalize(&p); !errors.Is(err, ErrInvalidProvider) {
			t.Errorf("%s: %v, want ErrInvalidProvider", name, err)
		}
	}
}

// TestProviderChangesAudited: adding, updating and removing a provider
// each record an admin.action event without the client secret; an
// invalid update changes nothing.
func TestProviderChangesAudited(t *testing.T) {
	e := newFedEnv(t, func(p *authcore.IdentityProvider) { p.ClientID, p.ClientSecret = "latchkey", "s3cret-value" })
	if _, err := e.s.UpdateProvider(t.Context(), "corp", func(p authcore.IdentityProvider) (authcore.IdentityProvider, error) {
		p.Issuer = "http://evil.example"
		return p, nil
	}); !errors.Is(err, ErrInvalidProvider) {
		t.Fatalf("invalid update: %v", err)
	}
	if p, err := e.s.Provider(t.Context(), "corp"); err != nil || p.Issuer != e.idp.srv.URL {
		t.Fatalf("after a refused update: %+v %v", p, err)
	}
	if _, err := e.s.UpdateProvider(t.Context(), "corp", func(p authcore.IdentityProvider) (authcore.IdentityProvider, error) {
		p.DisplayName = "Corp"
		return p, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.RemoveProvider(t.Context(), "corp"); err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, ev := range e.events.Of(audit.AdminAction) {
		reasons = append(reasons, ev.Reason)
		for k, v := range ev.Details {
			if s, ok := v.(string); ok && s == "s3cret-value" {
				t.Errorf("%s: the secret is in detail %q", ev.Reason, k)
			}
		}
	}
	if len(reasons) != 3 || reasons[0] != "idp.created" || reasons[1] != "idp.updated" || reasons[2] != "idp.removed" {
		t.Fatalf("admin actions %v", reasons)
	}
	if _, err := e.s.Provider(t.Context(), "corp"); err == nil {
		t.Fatal("the removed provider is still stored")
	}
}
