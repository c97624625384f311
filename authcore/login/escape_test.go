package login

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// TestTemplatesEscapeHostileInput registers a client whose name, scope
// and scope description are markup and checks the pages show them as
// text.
func TestTemplatesEscapeHostileInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	evil := `<script>alert(1)</script>`
	must(t, e.store.CreateClient(ctx, authcore.Client{ID: "evil", Name: evil + `"><img src=x>`,
		RedirectURIs: []string{"https://evil.example/cb"}, Scopes: []string{"openid", "<script>"},
		GrantTypes: []string{authcore.GrantAuthorizationCode}}))
	must(t, e.store.CreateScope(ctx, authcore.Scope{Name: "<script>", Description: evil}))
	rt := "/authorize?client_id=evil&scope=openid+%3Cscript%3E&state=%22%3E%3Cscript%3E"
	c := e.browser()
	_, login := e.get(c, loginURL(rt))
	consent := e.consentPage(c, rt)
	for name, body := range map[string]string{"login": login, "consent": consent} {
		if strings.Contains(body, "<script") || strings.Contains(body, "<img") {
			t.Errorf("%s page carries live markup:\n%s", name, body)
		}
		contains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
	}
	contains(t, consent, "<code>&lt;script&gt;</code>")
	// A failed login echoes the username, escaped.
	resp, body := e.post(c, "/login", url.Values{"csrf_token": {csrfFrom(t, consent)}, "return_to": {rt},
		"username": {`"><script>x</script>`}, "password": {"whatever1"}})
	if resp.StatusCode != 200 || strings.Contains(body, "<script") {
		t.Fatalf("failed login page: %d\n%s", resp.StatusCode, body)
	}
}
