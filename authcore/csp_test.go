package authcore_test

import (
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// CSPSource, used by the sign-in pages (form-action) and the form_post
// response mode, lets through only clean source expressions.
func TestCSPSource(t *testing.T) {
	for in, want := range map[string]string{
		"https://app.example/cb":               "https://app.example",
		"https://app.example:8443/cb?x=1":      "https://app.example:8443",
		"http://127.0.0.1/cb":                  "http://127.0.0.1:*",
		"http://[::1]:9000/cb":                 "http://[::1]:*",
		"com.example.app:/oauth2redirect":      "com.example.app:",
		"https://app.example; script-src *":    "",
		"https://app.example'/cb":              "",
		"https://app.example/cb\n":             "",
		"https://user@app.example/cb":          "https://app.example",
		"javascript:alert(1)":                  "",
		"":                                     "",
		"https://xn--pp-8cd.example/cb":        "https://xn--pp-8cd.example",
		"https://аpp.example/cb":               "",
		"https://app.example:99999999999/cb":   "",
		"https://app.example:80 'unsafe-eval'": "",
	} {
		if got := authcore.CSPSource(in); got != want {
			t.Errorf("CSPSource(%q) = %q, want %q", in, got, want)
		}
	}
}

// CSPFrameSource names one page exactly, or nothing.
func TestCSPFrameSource(t *testing.T) {
	for in, want := range map[string]string{
		"https://rp.example/logout":             "https://rp.example/logout",
		"https://rp.example:8443/fc/logout?x=1": "https://rp.example:8443/fc/logout",
		"http://127.0.0.1:9000/fc":              "http://127.0.0.1:9000/fc",
		"https://rp.example/":                   "",
		"https://rp.example":                    "",
		"https://rp.example/a;b":                "",
		"https://rp.example/a,b":                "",
		"https://rp.example/a'b":                "",
		"https://rp.example/a b":                "https://rp.example/a%20b",
		"https://rp.example; frame-src */x":     "",
		"https://user@rp.example/fc":            "",
		"javascript:alert(1)":                   "",
		"com.example.app:/fc":                   "",
		"https://rp.example:99999/fc":           "",
		"https://rp.example/fc#frag":            "https://rp.example/fc",
		"https://rp.example/%2e%2e/admin":       "https://rp.example/%2e%2e/admin",
	} {
		if got := authcore.CSPFrameSource(in); got != want {
			t.Errorf("CSPFrameSource(%q) = %q, want %q", in, got, want)
		}
	}
}
