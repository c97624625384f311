package oidc_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// register posts client metadata to /register and returns the status
// and the decoded answer.
func (e *env) register(t *testing.T, meta map[string]any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(meta)
	req, _ := http.NewRequest("POST", e.issuer+"/register", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	status, _, body := call(t, req)
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	return status, m
}

// Registration of pairwise clients (OIDC Registration §2, §5; OIDC Core
// §8.1), dynamic and by the administrator: a sector_identifier_uri that
// does not list every redirect URI, answers something other than a JSON
// array, is not https or (for a dynamic registration) resolves to a
// loopback address is refused with invalid_client_metadata, as are
// several redirect hosts without one and an unknown subject_type. A good
// one registers and its metadata says so.
func TestPairwiseRegistration(t *testing.T) {
	e, docs := startPairwise(t)
	e.srv.OAuth.SetSectorAllowPrivate(true) // the document server is on loopback
	meta := func(redirects []string, extra map[string]any) map[string]any {
		m := map[string]any{"client_name": "Shop", "redirect_uris": redirects, "subject_type": "pairwise"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	shop := []string{"https://shop.example/cb"}
	for _, c := range []struct {
		name string
		meta map[string]any
	}{
		{"redirect URI not listed", meta([]string{"https://shop.example/cb", "https://evil.example/cb"},
			map[string]any{"sector_identifier_uri": docs + "/shop.json"})},
		{"other sector's list", meta(shop, map[string]any{"sector_identifier_uri": docs + "/other.json"})},
		{"not JSON", meta(shop, map[string]any{"sector_identifier_uri": docs + "/page.json"})},
		{"404", meta(shop, map[string]any{"sector_identifier_uri": docs + "/missing.json"})},
		{"not https", meta(shop, map[string]any{"sector_identifier_uri": strings.Replace(docs, "https:", "http:", 1) + "/shop.json"})},
		{"several hosts, no sector", meta([]string{"https://shop.example/cb", "https://m.shop.example/cb"}, nil)},
		{"unknown subject_type", meta(shop, map[string]any{"subject_type": "secret"})},
	} {
		status, m := e.register(t, c.meta)
		if status != 400 || m["error"] != "invalid_client_metadata" {
			t.Errorf("%s: %d %v", c.name, status, m)
		}
		if d, _ := m["error_description"].(string); strings.Contains(d, "127.0.0.1:") && !strings.Contains(d, "redirect URI") {
			t.Errorf("%s: the description leaks fetch detail: %q", c.name, d)
		}
	}
	status, m := e.register(t, meta([]string{"https://shop.example/cb", "https://m.shop.example/cb"},
		map[string]any{"sector_identifier_uri": docs + "/shop.json"}))
	if status != 201 || m["subject_type"] != "pairwise" || m["sector_identifier_uri"] != docs+"/shop.json" {
		t.Fatalf("good registration: %d %v", status, m)
	}

	// The egress guard: a dynamic registration may not make the server
	// fetch from loopback.
	e.srv.OAuth.SetSectorAllowPrivate(false)
	status, m = e.register(t, meta(shop, map[string]any{"sector_identifier_uri": docs + "/shop.json"}))
	if d, _ := m["error_description"].(string); status != 400 || m["error"] != "invalid_client_metadata" || !strings.Contains(d, "private") {
		t.Fatalf("loopback sector_identifier_uri: %d %v", status, m)
	}

	// The administrator's API checks the same rules.
	_, _, err := e.srv.OAuth.CreateClient(context.Background(), oauth.ClientSpec{Name: "Shop", RedirectURIs: []string{"https://evil.example/cb"},
		SubjectType: authcore.SubjectPairwise, SectorIdentifierURI: docs + "/shop.json"})
	var inv *authcore.InvalidError
	if !errors.As(err, &inv) || !errors.Is(inv.Kind, oauth.ErrInvalidClientMetadata) {
		t.Fatalf("admin API with an unlisted redirect URI: %v", err)
	}
}

// Token exchange (RFC 8693) by a pairwise client: its own ID token and
// access token are mapped back to the user, and the exchanged token
// carries the client's pairwise sub, never the user id.
func TestPairwiseTokenExchange(t *testing.T) {
	e, _ := startPairwise(t)
	alice := e.user("alice", "alice@example.com")
	api := "https://api.example"
	r := e.rp(oauth.ClientSpec{Name: "BFF", RedirectURIs: []string{"https://bff.example/cb"}, Audience: []string{api},
		GrantTypes:  []string{authcore.GrantAuthorizationCode, authcore.GrantTokenExchange},
		Scopes:      []string{"openid", "orders:read"},
		SubjectType: authcore.SubjectPairwise}, "openid", "orders:read")
	tok, idt := codeFlow(t, e, testsupport.NewBrowser(t), r)
	sub := subOf(t, idt)
	for typ, subject := range map[string]string{
		oauth.TokenTypeIDToken: idt, oauth.TokenTypeAccessToken: tok.AccessToken} {
		status, m := e.exchange(t, r, url.Values{"subject_token": {subject}, "subject_token_type": {typ},
			"resource": {api}, "scope": {"orders:read"}})
		if status != 200 {
			t.Fatalf("%s: %d %v", typ, status, m)
		}
		if got := subOf(t, m["access_token"].(string)); got != sub || got == alice.ID {
			t.Errorf("%s: exchanged sub %q, want the pairwise %q", typ, got, sub)
		}
	}
}
