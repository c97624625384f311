package testsupport

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// maxHops bounds the redirects SignIn follows within the issuer. A full
// walk takes five (login, authorize, consent, authorize, out); the sixth
// is the one spare the server's tests always allowed.
const maxHops = 6

var (
	hiddenRE  = regexp.MustCompile(`name="(csrf_token|return_to)" value="([^"]*)"`)
	prefillRE = regexp.MustCompile(`name="username" type="text" value="([^"]*)"`)
)

// FormFields returns the csrf_token and return_to fields of a page's
// forms, unescaped: what a browser posts back with the login, consent,
// device or logout form. It reports false when the page has no CSRF
// token.
func FormFields(page string) (url.Values, bool) {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v, v.Get("csrf_token") != ""
}

// Hidden is FormFields that fails the test when the page has no CSRF
// token.
func Hidden(t testing.TB, page string) url.Values {
	t.Helper()
	v, ok := FormFields(page)
	if !ok {
		t.Fatalf("no CSRF field in page:\n%s", page)
	}
	return v
}

// SignedIn is where a SignIn ended.
type SignedIn struct {
	// Redirect is the first redirect away from the issuer: the
	// authorization response the client receives.
	Redirect *url.URL
	// Prefill is the username the login page showed prefilled (from
	// login_hint, say), "" when it showed none or was not shown.
	Prefill string
	// Logins counts the login forms posted: 0 when an SSO session
	// skipped the login page.
	Logins int
	// FormPost, instead of Redirect, is a response in the form_post or
	// form_post.jwt mode: the page that would post it to the client.
	FormPost *FormPost
}

// SignIn follows authURL through the issuer's real login and consent
// pages as a person at a browser would: every hop must be a 303; the
// login form is posted with username and password and its CSRF token;
// the consent page must offer Allow and Deny, and Allow is posted. It
// returns at the first redirect that leaves the issuer, without following
// it, or at a form_post page whose form leaves the issuer, without
// submitting it; it fails the test on anything else.
func (b *Browser) SignIn(issuer, authURL, username, password string) SignedIn {
	b.t.Helper()
	s, err := b.TrySignIn(issuer, authURL, username, password)
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// TrySignIn is SignIn that returns its failure instead of failing the
// test, for code that runs where the test may not be failed (a flow's
// OpenBrowser callback).
func (b *Browser) TrySignIn(issuer, authURL, username, password string) (SignedIn, error) {
	var s SignedIn
	req, _ := http.NewRequest("GET", authURL, nil)
	resp, body, err := b.fetch(req)
	for hops := 0; err == nil && hops < maxHops; hops++ {
		if fp, ok := ParseFormPost(resp, body, issuer); ok {
			s.FormPost = fp
			return s, nil
		}
		if resp.StatusCode != http.StatusSeeOther {
			return s, fmt.Errorf("testsupport: unexpected %d at hop %d:\n%s", resp.StatusCode, hops, body)
		}
		loc, lerr := resp.Location()
		if lerr != nil {
			return s, fmt.Errorf("testsupport: hop %d: %v", hops, lerr)
		}
		if !strings.HasPrefix(loc.String(), issuer) {
			s.Redirect = loc
			return s, nil
		}
		req, _ = http.NewRequest("GET", loc.String(), nil)
		if resp, body, err = b.fetch(req); err != nil {
			break
		}
		switch {
		case strings.HasPrefix(loc.Path, "/login") && resp.StatusCode == http.StatusOK:
			form, ok := FormFields(body)
			if !ok {
				return s, fmt.Errorf("testsupport: no CSRF field in the login page:\n%s", body)
			}
			if m := prefillRE.FindStringSubmatch(body); m != nil {
				s.Prefill = html.UnescapeString(m[1])
			}
			form.Set("username", username)
			form.Set("password", password)
			s.Logins++
			resp, body, err = b.fetch(formRequest(issuer+"/login", form))
		case strings.HasPrefix(loc.Path, "/consent") && resp.StatusCode == http.StatusOK:
			if !strings.Contains(body, ">Allow<") || !strings.Contains(body, ">Deny<") {
				return s, fmt.Errorf("testsupport: consent page lacks its buttons:\n%s", body)
			}
			form, ok := FormFields(body)
			if !ok {
				return s, fmt.Errorf("testsupport: no CSRF field in the consent page:\n%s", body)
			}
			form.Set("decision", "allow")
			resp, body, err = b.fetch(formRequest(issuer+"/consent", form))
		}
	}
	if err != nil {
		return s, err
	}
	return s, errors.New("testsupport: too many redirects")
}
