package oauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"time"
)

// Client assertion limits (RFC 7523 §3, FAPI 2.0 §5.3.2.1-13).
const (
	// maxAssertionBytes caps a client_assertion before any decoding.
	maxAssertionBytes = 8 << 10
	// assertionFuture is how far in the future iat and nbf may lie.
	assertionFuture = 10 * time.Second
	// assertionLeeway is the clock tolerance on exp; the jti is
	// remembered until exp plus this much.
	assertionLeeway = 30 * time.Second
	// DefaultAssertionLifetime is the longest exp - iat accepted unless
	// ClientAssertionConfig.MaxLifetime says otherwise.
	DefaultAssertionLifetime = 5 * time.Minute
)

// assertionHeader is the protected header of a client assertion. Only alg
// and kid are used: jku, x5u, x5c and jwk are ignored, keys come only
// from the client's registration (RFC 8725 §3.10).
type assertionHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// preparseAssertion is the cheap check before any cryptography: size,
// exactly three non-empty base64url segments in compact serialization
// (RFC 7515 §7.1), and a JSON header with an alg. It never allocates
// more than the input's size.
func preparseAssertion(a string) (assertionHeader, error) {
	var h assertionHeader
	if len(a) > maxAssertionBytes {
		return h, errors.New("oauth: assertion too large")
	}
	if strings.Count(a, ".") != 2 {
		return h, errors.New("oauth: assertion is not a compact JWS")
	}
	head, rest, _ := strings.Cut(a, ".")
	payload, sig, _ := strings.Cut(rest, ".")
	if head == "" || payload == "" || sig == "" {
		return h, errors.New("oauth: assertion has an empty segment")
	}
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return h, errors.New("oauth: assertion header is not base64url")
	}
	if err := json.Unmarshal(raw, &h); err != nil || h.Alg == "" {
		return h, errors.New("oauth: assertion header is not a JWS header")
	}
	return h, nil
}

// assertionClaims are the claims RFC 7523 §3 requires of a client
// assertion. Times are JSON numbers: a string exp fails to decode.
type assertionClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Exp *float64        `json:"exp"`
	Iat *float64        `json:"iat"`
	Nbf *float64        `json:"nbf"`
	Jti string          `json:"jti"`
}

// assertionRules are what checkClaims holds the claims to.
type assertionRules struct {
	clientID    string
	issuer      string
	now         time.Time
	maxLifetime time.Duration
}

// checkClaims validates a verified assertion payload (RFC 7523 §3, OIDC
// Core §9, FAPI 2.0 §5.3.2.1-8/-13) and returns its claims: iss and sub
// both the client_id; aud the issuer identifier, as a string or as a
// one-element array holding exactly it (an array with any other member
// is refused, against audience injection); exp present and not past;
// iat and nbf at most assertionFuture ahead; exp at most maxLifetime
// after iat (or after now without iat); jti present.
func checkClaims(payload []byte, r assertionRules) (assertionClaims, error) {
	var c assertionClaims
	d := json.NewDecoder(bytes.NewReader(payload))
	if err := d.Decode(&c); err != nil {
		return c, errors.New("oauth: assertion claims are malformed")
	}
	switch {
	case c.Iss != r.clientID || c.Sub != r.clientID:
		return c, errors.New("oauth: assertion iss and sub must be the client_id")
	case !audienceIsIssuer(c.Aud, r.issuer):
		return c, errors.New("oauth: assertion aud must be the issuer")
	case c.Jti == "":
		return c, errors.New("oauth: assertion jti is missing")
	case c.Exp == nil:
		return c, errors.New("oauth: assertion exp is missing")
	}
	exp, ok := numericDate(c.Exp)
	if !ok || !r.now.Before(exp.Add(assertionLeeway)) {
		return c, errors.New("oauth: assertion expired")
	}
	start := r.now
	for _, v := range []*float64{c.Iat, c.Nbf} {
		if v == nil {
			continue
		}
		t, ok := numericDate(v)
		if !ok || t.After(r.now.Add(assertionFuture)) {
			return c, errors.New("oauth: assertion iat or nbf lies in the future")
		}
	}
	if iat, ok := numericDate(c.Iat); ok {
		start = iat
	}
	if exp.Sub(start) > r.maxLifetime {
		return c, errors.New("oauth: assertion lifetime too long")
	}
	return c, nil
}

// numericDate converts a JWT NumericDate (RFC 7519 §2) to a time.
func numericDate(v *float64) (time.Time, bool) {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0 || *v > 1<<40 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(*v)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// audienceIsIssuer reports whether aud is exactly the issuer, or an array
// whose only member is the issuer (the choice documented on checkClaims).
func audienceIsIssuer(aud json.RawMessage, issuer string) bool {
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one == issuer
	}
	var list []string
	return json.Unmarshal(aud, &list) == nil && slices.Equal(list, []string{issuer})
}
