package bench

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// Browser is a signed-in user agent: it goes once through the real login
// and consent pages, then reuses the SSO session cookie (and the consent
// the server remembers) to get authorization codes without any page.
type Browser struct {
	Base        string      // the issuer, http://127.0.0.1:port
	Client      Credentials // the confidential web client
	RedirectURI string
	Scope       string
	User        string
	Password    string
	cookie      string // the session's Cookie header, after SignIn
}

var hiddenField = regexp.MustCompile(`name="(csrf_token|return_to)" value="([^"]*)"`)

// SignIn follows an authorization request through the login form and the
// consent page (allow), as a person would, and keeps the session cookie.
func (b *Browser) SignIn(ctx context.Context) error {
	jar, _ := cookiejar.New(nil)
	hc := NewHTTPClient(1)
	hc.Jar = jar
	_, challenge := NewPKCE()
	next, method, form := b.authorizeURL(challenge), http.MethodGet, url.Values(nil)
	for hop := 0; hop < 12; hop++ {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequestWithContext(ctx, method, next, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		method, form = http.MethodGet, nil
		loc := resp.Header.Get("Location")
		switch {
		case strings.HasPrefix(loc, b.RedirectURI):
			u, _ := url.Parse(b.Base)
			var parts []string
			for _, c := range jar.Cookies(u) {
				parts = append(parts, c.Name+"="+c.Value)
			}
			b.cookie = strings.Join(parts, "; ")
			return nil
		case loc != "":
			u, err := req.URL.Parse(loc)
			if err != nil {
				return err
			}
			next = u.String()
		case resp.StatusCode == http.StatusOK && strings.Contains(string(page), `name="password"`):
			form = hiddenValues(string(page))
			form.Set("username", b.User)
			form.Set("password", b.Password)
			next, method = b.Base+"/login", http.MethodPost
		case resp.StatusCode == http.StatusOK && strings.Contains(string(page), `name="decision" value="allow"`):
			form = hiddenValues(string(page))
			form.Set("decision", "allow")
			next, method = b.Base+"/consent", http.MethodPost
		default:
			return fmt.Errorf("bench: browser stuck at %s: %s %s", req.URL.Path, resp.Status, truncate(page))
		}
	}
	return errors.New("bench: browser: too many hops")
}

func hiddenValues(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		if v.Get(m[1]) == "" {
			v.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	return v
}

func (b *Browser) authorizeURL(challenge string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {b.Client.ID}, "redirect_uri": {b.RedirectURI},
		"scope": {b.Scope}, "state": {"bench"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	return b.Base + "/authorize?" + q.Encode()
}

// Code asks /authorize for a code with the signed-in session: one request,
// answered by a redirect to the client.
func (b *Browser) Code(ctx context.Context, hc *http.Client, challenge string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.authorizeURL(challenge), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Cookie", b.cookie)
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), b.RedirectURI) || loc.Query().Get("code") == "" {
		return "", fmt.Errorf("authorize: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code"), nil
}

// Exchange redeems code with its verifier (RFC 6749 §4.1.3, RFC 7636 §4.5).
func (b *Browser) Exchange(ctx context.Context, hc *http.Client, code, verifier string) (TokenResponse, error) {
	return Token(ctx, hc, b.Base, b.Client, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {b.RedirectURI}, "code_verifier": {verifier}})
}

// NewPKCE returns a fresh code verifier and its S256 challenge
// (RFC 7636 §4.1, §4.2).
func NewPKCE() (verifier, challenge string) {
	var b [32]byte
	randRead(b[:])
	verifier = base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}
