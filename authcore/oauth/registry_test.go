package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// TestRedirectRegistration covers docs/security.md REG-01.
func TestRedirectRegistration(t *testing.T) {
	good := []string{"https://app.example/cb", "https://app.example/cb?x=1", "http://127.0.0.1/cb",
		"http://127.0.0.1:8080/cb", "http://[::1]/cb", "com.example.app:/cb", "com.example.app:/oauth2redirect"}
	bad := []string{"", "/cb", "cb", "https://app.example/cb#f", "https://app.example/cb#", "javascript:alert(1)",
		"data:text/html,x", "file:///etc/passwd", "http://app.example/cb", "http://localhost/cb",
		"https://*.app.example/cb", "myapp:/cb", "HTTPS://app.example/cb", "https://u:p@app.example/cb",
		"https://app.example/c b", "https://app.example/\u00e9", "http://127.0.0.1.evil.example/cb",
		"http://127.0.0.1:99999999/cb", "https:///cb", "https://app.example\\@evil/cb"}
	for _, u := range good {
		if err := validateRedirectURI(u); err != nil {
			t.Errorf("%q rejected: %v", u, err)
		}
	}
	for _, u := range bad {
		if err := validateRedirectURI(u); !errors.Is(err, ErrInvalidRedirectURI) {
			t.Errorf("%q accepted", u)
		}
	}
}

// TestRegistry covers create, validation, update, secret rotation with
// grace, delete, and that audit events carry no secret.
func TestRegistry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	invalid := []ClientSpec{
		{},
		{Name: "x", Type: authcore.Public, GrantTypes: []string{authcore.GrantClientCredentials}},
		{Name: "x", Type: authcore.Public, AuthMethod: authcore.AuthSecretBasic, RedirectURIs: []string{"https://a.example/cb"}},
		{Name: "x", AuthMethod: authcore.AuthNone, RedirectURIs: []string{"https://a.example/cb"}},
		{Name: "x", AuthMethod: authcore.AuthPrivateKeyJWT, RedirectURIs: []string{"https://a.example/cb"}},
		{Name: "x", GrantTypes: []string{"password"}},
		{Name: "x", GrantTypes: []string{"implicit"}},
		{Name: "x"}, // authorization_code without a redirect URI
		{Name: "x", RedirectURIs: []string{"https://a.example/cb"}, Scopes: []string{"bogus"}},
		{Name: "x", RedirectURIs: []string{"javascript:alert(1)"}},
		{Name: "x", Type: "weird", RedirectURIs: []string{"https://a.example/cb"}},
	}
	for i, spec := range invalid {
		if _, _, err := e.srv.CreateClient(ctx, spec); !errors.Is(err, ErrInvalidClientMetadata) && !errors.Is(err, ErrInvalidRedirectURI) {
			t.Errorf("invalid spec %d accepted: %v", i, err)
		}
	}
	pub, secret, err := e.srv.CreateClient(ctx, ClientSpec{Name: "p", Type: authcore.Public, RedirectURIs: []string{"com.example.app:/cb"}})
	if err != nil || secret != "" || pub.AuthMethod != authcore.AuthNone || pub.SecretHash != nil {
		t.Fatalf("public: %+v %q %v", pub, secret, err)
	}
	if _, err := e.srv.RotateSecret(ctx, pub.ID, 0); !errors.Is(err, ErrPublicClient) {
		t.Fatalf("rotate public: %v", err)
	}
	if len(e.svc.ID) < 22 || len(e.svc.secret) != 43 || string(e.svc.SecretHash) == e.svc.secret {
		t.Fatalf("id/secret: %q %q", e.svc.ID, e.svc.secret)
	}
	cc := func(c testClient) int {
		return e.post("/token", url.Values{"grant_type": {"client_credentials"}}, &c).status
	}
	// Rotation with a grace period: both secrets work until it ends.
	newSecret, err := e.srv.RotateSecret(ctx, e.svc.ID, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	rotated := e.svc
	rotated.secret = newSecret
	if cc(e.svc) != 200 || cc(rotated) != 200 {
		t.Fatal("secrets during grace")
	}
	e.clock.Advance(2 * time.Minute)
	if cc(e.svc) != 401 || cc(rotated) != 200 {
		t.Fatal("old secret after grace")
	}
	// Update keeps the secret; the type cannot change.
	up, err := e.srv.UpdateClient(ctx, e.svc.ID, ClientSpec{Name: "svc2",
		GrantTypes: []string{authcore.GrantClientCredentials}, Scopes: []string{"orders:read", "profile"}})
	if err != nil || up.Name != "svc2" || cc(rotated) != 200 {
		t.Fatalf("update: %+v %v", up, err)
	}
	if _, err := e.srv.UpdateClient(ctx, e.svc.ID, ClientSpec{Name: "svc2", Type: authcore.Public}); !errors.Is(err, ErrInvalidClientMetadata) {
		t.Fatalf("type change: %v", err)
	}
	if err := e.srv.DeleteClient(ctx, e.svc.ID); err != nil || cc(rotated) != 401 {
		t.Fatalf("delete: %v", err)
	}
	for _, ev := range e.rec.all() {
		s := strings.Join([]string{ev.Reason, ev.Actor, ev.Subject, strings.TrimSpace(toString(ev.Details))}, " ")
		for _, secret := range []string{e.svc.secret, newSecret, e.web.secret} {
			if strings.Contains(s, secret) {
				t.Fatalf("secret in audit event %+v", ev)
			}
		}
	}
	for _, typ := range []audit.Type{audit.ClientCreated, audit.ClientUpdated, audit.ClientDeleted, audit.ClientSecretRotated} {
		if e.rec.count(typ) == 0 {
			t.Errorf("no %s event", typ)
		}
	}
}

// TestPepperPersists: a second server on the same store authenticates
// secrets created by the first.
func TestPepperPersists(t *testing.T) {
	e := newEnv(t)
	again, err := New(context.Background(), Config{Issuer: e.ts.URL, Store: e.store, Signer: e.signer, Interaction: e.ui})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := e.store.GetClient(context.Background(), e.svc.ID)
	if !again.secretMatches(c, e.svc.secret) || again.secretMatches(c, e.web.secret) {
		t.Fatal("pepper not shared through the store")
	}
}

func toString(m map[string]any) string {
	var b strings.Builder
	for k, v := range m {
		b.WriteString(k + "=" + strings.TrimSpace(strings.ReplaceAll(strings.Trim(fmtAny(v), "[]"), "\n", " ")) + " ")
	}
	return b.String()
}

func fmtAny(v any) string { return fmt.Sprint(v) }
