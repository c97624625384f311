package oauth

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// legacyAccessAnswer is the map the endpoint answered an active access
// token with before introspection had its own encoder (the reference of
// the tests below).
func legacyAccessAnswer(claims *accessClaims) map[string]any {
	out := map[string]any{"active": true, "token_type": "Bearer",
		"client_id": claims.ClientID, "sub": claims.Subject, "aud": []string(claims.Audience),
		"iss": claims.Issuer, "exp": claims.ExpiresAt.Unix(), "jti": claims.ID}
	if claims.IssuedAt != nil {
		out["iat"] = claims.IssuedAt.Unix()
	}
	if claims.Scope != "" {
		out["scope"] = claims.Scope
	}
	if claims.Cnf != nil {
		out["cnf"] = claims.Cnf
		if claims.Cnf.JKT != "" {
			out["token_type"] = TokenTypeDPoP
		}
	}
	if claims.ACR != "" {
		out["acr"] = claims.ACR
	}
	if len(claims.AMR) > 0 {
		out["amr"] = claims.AMR
	}
	if claims.AuthTime != nil {
		out["auth_time"] = claims.AuthTime.Unix()
	}
	if len(claims.AuthorizationDetails) > 0 {
		out["authorization_details"] = claims.AuthorizationDetails
	}
	return out
}

// legacyRefreshAnswer is the old map for an active refresh token.
func legacyRefreshAnswer(in refreshFacts) map[string]any {
	out := map[string]any{"active": true, "token_type": "refresh_token",
		"client_id": in.clientID, "sub": in.sub, "aud": in.aud,
		"iss": in.iss, "exp": in.exp, "iat": in.iat}
	if len(in.scopes) > 0 {
		out["scope"] = joinScope(in.scopes)
	}
	if in.details != "" {
		out["authorization_details"] = detailsClaim(in.details)
	}
	return out
}

// refreshFacts are what introspectRefresh answers from.
type refreshFacts struct {
	clientID, sub, iss, details string
	aud, scopes                 []string
	exp, iat                    int64
}

func (f refreshFacts) answer() *introspection {
	return &introspection{active: true, tokenType: "refresh_token", clientID: f.clientID, sub: f.sub, aud: f.aud,
		iss: f.iss, exp: f.exp, iat: f.iat, hasIAT: true, scope: joinScope(f.scopes), details: detailsClaim(f.details)}
}

// sameJSON fails unless the answer encodes as encoding/json encodes the
// legacy map (writeJSON's bytes, without the newline).
func sameJSON(t testing.TB, in *introspection, legacy any) {
	t.Helper()
	got, gerr := appendJSON(nil, in)
	want, werr := json.Marshal(legacy)
	if (gerr != nil) != (werr != nil) {
		t.Fatalf("errors differ: %v vs %v", gerr, werr)
	}
	if gerr == nil && !bytes.Equal(got, want) {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

// TestIntrospectionJSON: every answer the endpoint gives (inactive, an
// access token with each optional member, a refresh token) is byte for
// byte what encoding/json wrote for the old map.
func TestIntrospectionJSON(t *testing.T) {
	sameJSON(t, inactive, map[string]any{"active": false})
	at := time.Unix(1796437831, 0)
	base := func() *accessClaims {
		return &accessClaims{RegisteredClaims: jwt.RegisteredClaims{Issuer: "https://as.example", Subject: "alice",
			Audience: jwt.ClaimStrings{"https://api.example"}, ExpiresAt: jwt.NewNumericDate(at), ID: "jti-1"},
			ClientID: "c1"}
	}
	for name, edit := range map[string]func(*accessClaims){
		"minimal":        func(*accessClaims) {},
		"no audience":    func(c *accessClaims) { c.Audience = nil },
		"empty audience": func(c *accessClaims) { c.Audience = jwt.ClaimStrings{} },
		"two audiences":  func(c *accessClaims) { c.Audience = append(c.Audience, "<b>&") },
		"iat":            func(c *accessClaims) { c.IssuedAt = jwt.NewNumericDate(at.Add(-time.Hour)) },
		"scope":          func(c *accessClaims) { c.Scope = "openid orders:read" },
		"dpop":           func(c *accessClaims) { c.Cnf = &cnfClaim{JKT: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"} },
		"mtls":           func(c *accessClaims) { c.Cnf = &cnfClaim{X5T: "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"} },
		"both bindings":  func(c *accessClaims) { c.Cnf = &cnfClaim{JKT: "k", X5T: "x"} },
		"empty cnf":      func(c *accessClaims) { c.Cnf = &cnfClaim{} },
		"sign-in": func(c *accessClaims) {
			c.ACR, c.AMR, c.AuthTime = "mfa", []string{"pwd", "otp"}, jwt.NewNumericDate(at)
		},
		"empty amr":          func(c *accessClaims) { c.AMR = []string{} },
		"details":            func(c *accessClaims) { c.AuthorizationDetails = json.RawMessage(`[ {"type":"payment", "x":"<&>"} ]`) },
		"invalid details":    func(c *accessClaims) { c.AuthorizationDetails = json.RawMessage(`[{`) },
		"escapes everywhere": func(c *accessClaims) { c.Subject, c.ClientID, c.ID, c.Scope = "\u2028<", "\"\\", "\xff", "a&b" },
	} {
		t.Run(name, func(t *testing.T) {
			c := base()
			edit(c)
			sameJSON(t, accessAnswer(c), legacyAccessAnswer(c))
		})
	}
	for name, f := range map[string]refreshFacts{
		"minimal": {clientID: "c1", sub: "alice", iss: "https://as.example", exp: 2, iat: 1},
		"everything": {clientID: "c1", sub: "p<airwise>", iss: "https://as.example", aud: []string{"https://api"},
			scopes: []string{"openid", "offline_access"}, details: `[{"type":"t"}]`, exp: 1 << 40, iat: -1},
	} {
		t.Run("refresh "+name, func(t *testing.T) { sameJSON(t, f.answer(), legacyRefreshAnswer(f)) })
	}
}

// FuzzIntrospectionJSON: for any claim values, the access and refresh
// answers encode as the old maps did.
func FuzzIntrospectionJSON(f *testing.F) {
	f.Add("alice", "c1", "openid <x>", "https://api", "k", "", "mfa", `[{"type":"t"}]`, int64(1796437831), uint8(0xff))
	f.Add("", "", "", "", "", "x", "", "", int64(-1), uint8(0))
	f.Fuzz(func(t *testing.T, sub, client, scope, aud, jkt, x5t, acr, details string, n int64, set uint8) {
		c := &accessClaims{RegisteredClaims: jwt.RegisteredClaims{Issuer: aud + sub, Subject: sub,
			ExpiresAt: jwt.NewNumericDate(time.Unix(n, 0)), ID: client + "j"}, ClientID: client, Scope: scope}
		if set&1 != 0 {
			c.Audience = jwt.ClaimStrings{aud, sub}
		}
		if set&2 != 0 {
			c.IssuedAt = jwt.NewNumericDate(time.Unix(n/2, 0))
		}
		if set&4 != 0 {
			c.Cnf = &cnfClaim{JKT: jkt, X5T: x5t}
		}
		if set&8 != 0 {
			c.ACR, c.AMR = acr, []string{acr, jkt}
		}
		if set&16 != 0 {
			c.AuthTime = jwt.NewNumericDate(time.Unix(n/3, 0))
		}
		if set&32 != 0 {
			c.AuthorizationDetails = json.RawMessage(details)
		}
		sameJSON(t, accessAnswer(c), legacyAccessAnswer(c))
		r := refreshFacts{clientID: client, sub: sub, iss: aud, exp: n, iat: n / 7}
		if set&64 != 0 {
			r.aud, r.scopes = []string{aud}, []string{scope, "openid"}
		}
		if set&32 != 0 {
			r.details = details
		}
		sameJSON(t, r.answer(), legacyRefreshAnswer(r))
	})
}
