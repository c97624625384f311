package login

import (
	"context"
	"crypto/sha256"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/latchkey/latchkey/authcore"
)

var (
	secretRE   = regexp.MustCompile(`aria-label="Authenticator key">([A-Z2-7]+)<`)
	factorIDRE = regexp.MustCompile(`name="factor_id" value="([^"]+)"`)
	codeRE     = regexp.MustCompile(`<li><code>([^<]+)</code></li>`)
)

// TestAccountAuthenticatorAppAndRecoveryCodes: set up an authenticator
// app on the account page with a code the library computes at the
// injected clock, get recovery codes once, regenerate them, remove the
// app (its recovery codes go with it).
func TestAccountAuthenticatorAppAndRecoveryCodes(t *testing.T) {
	e := newEnv(t)
	// The server keys this hash with its secret-hashing key (server/mfa.go).
	e.m.SetSecretHasher(func(s string) []byte { h := sha256.Sum256([]byte("test key\x00" + s)); return h[:] })
	ctx := context.Background()
	c := e.browser()
	e.login(c, accountPath)
	csrf := csrfFrom(t, e.accountPage(c))
	resp, page := e.post(c, "/account/totp", url.Values{"csrf_token": {csrf}})
	secret, id := secretRE.FindStringSubmatch(page), factorIDRE.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || secret == nil || id == nil {
		t.Fatalf("enrollment page %d:\n%s", resp.StatusCode, page)
	}
	if p := resp.Header.Get("Content-Security-Policy"); !regexp.MustCompile(`img-src data:`).MatchString(p) {
		t.Errorf("policy %q does not allow the QR code", p)
	}
	resp, _ = e.post(c, "/account/totp/confirm", url.Values{"csrf_token": {csrf}, "factor_id": {id[1]}, "code": {"000000"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("wrong code: %d, want 400", resp.StatusCode)
	}
	_, page = e.post(c, "/account/totp", url.Values{"csrf_token": {csrf}})
	secret, id = secretRE.FindStringSubmatch(page), factorIDRE.FindStringSubmatch(page)
	code, err := totp.GenerateCode(secret[1], e.clock.Now())
	must(t, err)
	resp, page = e.post(c, "/account/totp/confirm", url.Values{"csrf_token": {csrf}, "factor_id": {id[1]}, "name": {"Phone"}, "code": {code}})
	first := codeRE.FindAllStringSubmatch(page, -1)
	if resp.StatusCode != http.StatusOK || len(first) != 10 {
		t.Fatalf("confirm: %d, %d recovery codes:\n%s", resp.StatusCode, len(first), page)
	}
	page = e.accountPage(c)
	contains(t, page, "Phone", "Recovery codes left: <strong>10</strong>")

	_, page = e.post(c, "/account/recovery", url.Values{"csrf_token": {csrf}})
	second := codeRE.FindAllStringSubmatch(page, -1)
	if len(second) != 10 || second[0][1] == first[0][1] {
		t.Fatalf("regenerated codes: %v", second)
	}
	contains(t, page, html.EscapeString("New recovery codes replace your old ones."))

	resp, _ = e.post(c, "/account/totp/remove", url.Values{"csrf_token": {csrf}, "id": {id[1]}})
	if resp.Header.Get("Location") != accountPath+"?done=totp-removed" {
		t.Fatalf("remove: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	factors, err := e.store.ListFactors(ctx, e.alice.ID)
	must(t, err)
	for _, f := range factors {
		if f.Confirmed || f.Kind == authcore.FactorRecovery {
			t.Errorf("left after removing the only app: %s %s", f.Kind, f.ID)
		}
	}
	if resp, _ := e.post(c, "/account/recovery", url.Values{"csrf_token": {csrf}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("recovery codes without a second factor: %d, want 400", resp.StatusCode)
	}
}
