package flow

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Token is a token decoded for display. Value is masked unless secrets are
// revealed; Header and Claims are shown in full (a JWT's claims are not
// secret, its signature is what protects it).
type Token struct {
	// Name is the response field it came from: access_token,
	// refresh_token, id_token or issued_token.
	Name  string `json:"name"`
	Value string `json:"value"`
	// Format is "jwt" when it parses as a JWS, else "opaque".
	Format string         `json:"format"`
	Header map[string]any `json:"header,omitempty"`
	Claims map[string]any `json:"claims,omitempty"`
	// Times are the NumericDate claims (exp, iat, nbf, auth_time) made
	// readable.
	Times []TimeClaim `json:"times,omitempty"`
	// ExpiresAt comes from exp, or from expires_in for an opaque token;
	// RemainingSeconds is counted from the run's clock when decoded (the
	// console counts down from ExpiresAt).
	ExpiresAt        *time.Time `json:"expires_at,omitempty"`
	RemainingSeconds float64    `json:"remaining_seconds,omitempty"`
	// LifetimeSeconds is exp - iat for a JWT, else expires_in.
	LifetimeSeconds float64    `json:"lifetime_seconds,omitempty"`
	Signature       *Signature `json:"signature,omitempty"`
}

// TimeClaim is one NumericDate claim, readable.
type TimeClaim struct {
	Name string    `json:"name"`
	Unix int64     `json:"unix"`
	Time time.Time `json:"time"`
	// Relative is e.g. "in 9m59s" or "2m0s ago".
	Relative string `json:"relative"`
}

// Signature is the outcome of verifying a JWT against the issuer's JWKS.
type Signature struct {
	Verified bool   `json:"verified"`
	Alg      string `json:"alg,omitempty"`
	KeyID    string `json:"kid,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// timeClaims are the RFC 7519 / OIDC NumericDate claims shown as times.
var timeClaims = []string{"iat", "nbf", "auth_time", "exp"}

// decodeToken decodes value for display, verifies a JWT's signature with
// the issuer's keys when there are any, and records a signature check on s.
func (r *runner) decodeToken(s *Step, name, value string, expiresIn float64) Token {
	tok := Token{Name: name, Value: r.m.value(value), Format: "opaque"}
	now := r.o.Now()
	if h, c, ok := splitJWT(value); ok {
		tok.Format, tok.Header, tok.Claims = "jwt", h, c
		for _, n := range timeClaims {
			if f, ok := c[n].(float64); ok {
				at := time.Unix(int64(f), 0).UTC()
				tok.Times = append(tok.Times, TimeClaim{Name: n, Unix: int64(f), Time: at, Relative: relative(at, now)})
				if n == "exp" {
					tok.ExpiresAt = &at
				}
			}
		}
		tok.Signature = r.verify(value)
		if s != nil {
			s.check(CheckSignature, tok.Signature.Verified, name+": "+tok.Signature.Detail)
		}
	}
	if exp, iat := tok.Claims["exp"], tok.Claims["iat"]; exp != nil && iat != nil {
		e, _ := exp.(float64)
		i, _ := iat.(float64)
		tok.LifetimeSeconds = e - i
	} else {
		tok.LifetimeSeconds = expiresIn
	}
	if tok.ExpiresAt == nil && expiresIn > 0 {
		at := now.Add(time.Duration(expiresIn * float64(time.Second))).UTC()
		tok.ExpiresAt = &at
	}
	if tok.ExpiresAt != nil {
		tok.RemainingSeconds = math.Round(tok.ExpiresAt.Sub(now).Seconds())
	}
	return tok
}

// splitJWT decodes a compact JWS's header and claims without verifying
// it; ok is false for anything else (opaque tokens).
func splitJWT(v string) (header, claims map[string]any, ok bool) {
	parts := strings.Split(v, ".")
	if len(parts) != 3 || len(v) > maxBody {
		return nil, nil, false
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	if err1 != nil || err2 != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &claims) != nil {
		return nil, nil, false
	}
	return header, claims, true
}

// relative says how far at is from now in words.
func relative(at, now time.Time) string {
	d := at.Sub(now).Round(time.Second)
	switch {
	case d > 0:
		return "in " + d.String()
	case d < 0:
		return (-d).String() + " ago"
	}
	return "now"
}

// claimString returns a string claim.
func claimString(c map[string]any, k string) string {
	s, _ := c[k].(string)
	return s
}

// audience returns the aud claim as a list (RFC 7519 §4.1.3 allows a
// string or an array).
func audience(c map[string]any) []string {
	switch v := c["aud"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, a := range v {
			if s, ok := a.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// String is a one-line summary.
func (t Token) String() string {
	return fmt.Sprintf("%s (%s) %s", t.Name, t.Format, t.Value)
}
