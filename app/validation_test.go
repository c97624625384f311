package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Every refusal of bad input reaches the console as the typed error's
// own message: exactly the words below, never an error's text with a
// package prefix cut off (which showed whatever the error wrapped).
func TestConsoleShowsTypedValidationMessages(t *testing.T) {
	a, _ := newAppServer(t)
	h := console(t, a)
	for _, c := range []struct{ method, args, want string }{
		{"CreateUser", `[{"username":"-x","password":"correct horse battery"}]`, "username must start with a letter or digit"},
		{"CreateUser", `[{"username":"bob","password":"short"}]`, "the password is too short: use at least 8 characters"},
		{"CreateClient", `[{"client_name":"x","client_type":"public","redirect_uris":["https://a.example/cb#f"]}]`,
			`redirect URI "https://a.example/cb#f": contains a fragment`},
		{"CreateClient", `[{"client_name":"x","client_type":"public","grant_types":["client_credentials"]}]`,
			"public clients cannot use client_credentials (OAuth 2.1 §4.2)"},
		{"CreateClient", `[{"client_name":7}]`, "argument 1: client_name must be a string, not number"},
		{"CreateClient", `["x"]`, "argument 1 must be an object, not string"},
		{"AddIdentityProvider", `[{"id":"Bad ID"}]`, "id must be 1-32 lowercase letters, digits or '-'"},
		{"AddRoute", `[{"name":"r","prefix":"/authorize/","upstream":"https://api.example"}]`,
			`invalid route: prefix "/authorize/" would shadow Latchkey's own /authorize`},
		{"AddRoute", `[{"name":"r","prefix":"api","upstream":"https://api.example"}]`,
			`invalid route: route "r": prefix must start with "/" (got "api")`},
		{"QueryAudit", `[{"expr":"type ==="}]`, "bad expression: at offset"},
		{"QueryAudit", `[{"cursor":"nope"}]`, "bad cursor: pass the next value of the previous page, unchanged, with the same filter"},
		{"UpdateSettings", `[{"values":{"audit_retention":"1h"}}]`, "Audit retention: must be from 1d to 3650d"},
	} {
		rec := cliCall(h, c.method, c.args)
		msg := apiError(t, rec)
		if rec.Code != 400 || !strings.HasPrefix(msg, c.want) {
			t.Errorf("%s %s: %d %q, want 400 %q", c.method, c.args, rec.Code, msg, c.want)
		}
		for _, leak := range []string{"oauth:", "login:", "federation:", "audit:", "server:", "gateway:", "json:", "keys:"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: %q shows an error's text (%s)", c.method, msg, leak)
			}
		}
	}
}

// A token that does not verify is explained by the sentinel it failed on.
func TestInspectTokenReasons(t *testing.T) {
	a, srv := newAppServer(t)
	now := time.Now()
	tok, err := srv.Keys.Sign("", "at+jwt", atClaims{RegisteredClaims: jwt.RegisteredClaims{Issuer: issuer, Subject: "s", ID: "j",
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}})
	if err != nil {
		t.Fatal(err)
	}
	dot := strings.LastIndex(tok, ".")
	sig := []byte(tok[dot+1:])
	if sig[3] == 'A' { // another base64url letter: still decodes, no longer verifies
		sig[3] = 'B'
	} else {
		sig[3] = 'A'
	}
	for _, c := range []struct{ token, want string }{
		{"WzFd.e30.c2ln", "malformed: not a JWS this server could have signed"},
		{"eyJhbGciOiJFUzI1NiIsImtpZCI6Im5vcGUiLCJ0eXAiOiJhdCtqd3QifQ.e30.c2ln", "signed by a key this server does not publish (unknown, revoked or removed)"},
		{tok[:dot+1] + string(sig), "the signature does not verify"},
	} {
		in, err := a.InspectToken(c.token)
		if err != nil || in.Signature != "invalid" || in.Reason != c.want {
			t.Errorf("%s: %+v %v, want %q", c.token, in, err, c.want)
		}
	}
}
