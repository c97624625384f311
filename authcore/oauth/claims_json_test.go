package oauth

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// claimsFrom builds access-token claims from fuzzed parts: list fields
// split at "|", an empty part meaning nil.
func claimsFrom(iss, sub, aud, jti, client, scope, grant, jkt, x5t, acr, amr string, exp, iat, authTime int64, cnf, act, details bool) accessClaims {
	list := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, "|")
	}
	date := func(sec int64) *jwt.NumericDate {
		if sec == 0 {
			return nil
		}
		return jwt.NewNumericDate(time.Unix(sec%(1<<40), sec%1e9))
	}
	c := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: iss, Subject: sub, Audience: list(aud), ID: jti,
			ExpiresAt: date(exp), IssuedAt: date(iat), NotBefore: date(iat / 2)},
		ClientID: client, Scope: scope, GrantID: grant,
		authClaims: authClaims{AuthTime: date(authTime), ACR: acr, AMR: list(amr)},
	}
	if cnf {
		c.Cnf = &cnfClaim{JKT: jkt, X5T: x5t}
	}
	if act {
		c.Act = &actClaim{Subject: sub, ClientID: client}
	}
	if details {
		c.AuthorizationDetails = json.RawMessage(`[{"type":"payment_initiation", "amount":"<12.50>"}]`)
	}
	return c
}

func checkClaimsJSON(t *testing.T, c accessClaims) {
	t.Helper()
	want, err := json.Marshal(c) // reflection: accessClaims has no MarshalJSON
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.AppendJSON([]byte("prefix"))
	if err != nil || !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Fatalf("AppendJSON = %s, %v\njson.Marshal = %s", got, err, want)
	}
}

// TestAccessClaimsJSON: the claims of every kind of access token this
// server issues encode as encoding/json encodes them.
func TestAccessClaimsJSON(t *testing.T) {
	now := time.Now().Unix()
	for _, c := range []accessClaims{
		claimsFrom("https://id.example", "svc", "https://api.example", "j1", "svc", "orders:read", "", "", "", "", "", now+600, now, 0, false, false, false),
		claimsFrom("https://id.example", "alice", "https://a|https://b", "j2", "web", "openid offline_access", "g1", "jkt", "", "urn:acr", "pwd|otp|mfa", now+600, now, now-5, true, false, false),
		claimsFrom("i", "<s>&", "", "", "", "", "", "", "x5t", "", "", now, 0, 0, true, false, false),
		claimsFrom("i", "s", "a", "j", "c", "", "", "", "", "", "", now, now, 0, true, false, false), // cnf {}
		claimsFrom("i", "s", "a", "j", "c", "x", "", "", "", "", "", now, now, 0, false, true, false),
		claimsFrom("i", "s", "a", "j", "c", "x", "", "", "", "", "", now, now, 0, false, false, true),
		{},
	} {
		checkClaimsJSON(t, c)
	}
}

func FuzzAccessClaimsJSON(f *testing.F) {
	f.Add("https://id.example", "alice", "https://api|x", "jti", "web", "openid", "g1", "jkt", "x5t", "acr", "pwd|mfa", int64(1796437831), int64(1796437231), int64(1796437000), true, false, false)
	f.Add("\u2028<&>", "\xff\xfe", "", "", "", "", "", "", "", "", "", int64(-5), int64(0), int64(1), false, true, true)
	f.Fuzz(func(t *testing.T, iss, sub, aud, jti, client, scope, grant, jkt, x5t, acr, amr string, exp, iat, authTime int64, cnf, act, details bool) {
		checkClaimsJSON(t, claimsFrom(iss, sub, aud, jti, client, scope, grant, jkt, x5t, acr, amr, exp, iat, authTime, cnf, act, details))
	})
}
