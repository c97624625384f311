package login

import (
	"net/url"
	"strings"
)

// maxReturnTo bounds the return address carried through the pages.
const maxReturnTo = 16 << 10

// returnPrefix starts every acceptable return address.
const returnPrefix = "/authorize?"

// validReturnTo reports whether s is a safe place to send the browser
// after login or consent: a relative "/authorize?<query>" and nothing
// else. Absolute URLs, scheme-relative "//host", "/\host", userinfo or
// path tricks ("/authorize@evil", "/authorize/../x"), fragments, control
// characters and anything outside printable ASCII are refused, so the
// pages never become an open redirector (RFC 9700 §4.11.2). The query is
// the authorization request as the OAuth package re-encoded it, so it
// needs no other characters.
func validReturnTo(s string) bool {
	if validDeviceReturn(s) || s == accountPath { // the device page (device.go), the account page
		return true
	}
	if len(s) > maxReturnTo || !strings.HasPrefix(s, returnPrefix) || len(s) == len(returnPrefix) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 0x20 || c >= 0x7f || c == '\\' || c == '#' {
			return false
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		u.Path != "/authorize" || u.RawPath != "" || u.Fragment != "" {
		return false
	}
	_, err = url.ParseQuery(u.RawQuery)
	return err == nil
}

// request is what the pages need from a return address: the client, the
// requested scopes and redirect URI.
type request struct {
	clientID    string
	scope       string
	redirectURI string
	loginHint   string // OIDC Core §3.1.2.1 login_hint
}

// parseReturnTo returns the request named by a return address that
// passed validReturnTo.
func parseReturnTo(s string) request {
	q, _ := url.ParseQuery(strings.TrimPrefix(s, returnPrefix))
	return request{clientID: q.Get("client_id"), scope: q.Get("scope"), redirectURI: q.Get("redirect_uri"),
		loginHint: q.Get("login_hint")}
}

// loginURL is the login page that comes back to returnTo.
func loginURL(returnTo string) string {
	if returnTo == "" {
		return "/login"
	}
	return "/login?" + url.Values{"return_to": {returnTo}}.Encode()
}

// consentURL is the consent page for returnTo.
func consentURL(returnTo string) string {
	return "/consent?" + url.Values{"return_to": {returnTo}}.Encode()
}
