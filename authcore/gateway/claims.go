package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Identity is what the gateway verified about a request's access token.
// In-process handlers read it with IdentityFrom; upstreams receive it in
// the X-Auth-* headers the route passes.
type Identity struct {
	Issuer    string
	Subject   string
	ClientID  string
	Scopes    []string
	Audience  []string
	JTI       string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// JKT is the cnf.jkt DPoP key thumbprint (RFC 9449 §6.1), or "".
	JKT string
	// X5T is the cnf.x5t#S256 certificate thumbprint (RFC 8705 §3.1),
	// or "".
	X5T string
	// Introspected is true when the identity came from RFC 7662
	// introspection rather than a local JWT verification.
	Introspected bool
	// ACR is the acr claim: the authentication context class of the
	// user's sign-in (RFC 9068 §2.2.1), "" when absent.
	ACR string
	// DetailTypes are the types of the token's authorization_details
	// (RFC 9396 §9.1), in order; authzdetails.go.
	DetailTypes []string
}

// HasScope reports whether the token carries scope s.
func (id *Identity) HasScope(s string) bool {
	for _, have := range id.Scopes {
		if have == s {
			return true
		}
	}
	return false
}

type identityKey struct{}

// WithIdentity returns ctx carrying id.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IdentityFrom returns the identity the gateway verified for the request
// whose context is ctx.
func IdentityFrom(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(*Identity)
	return id, ok && id != nil
}

// wireClaims are the RFC 9068 §2.2 claims as sent. Pointers and raw
// values let presence and JSON type be checked exactly: a string exp is
// an error, not a number (RFC 7519 §2 NumericDate).
type wireClaims struct {
	Iss      *string         `json:"iss"`
	Sub      *string         `json:"sub"`
	Aud      json.RawMessage `json:"aud"`
	ClientID *string         `json:"client_id"`
	Scope    *string         `json:"scope"`
	Exp      json.RawMessage `json:"exp"`
	Nbf      json.RawMessage `json:"nbf"`
	Iat      json.RawMessage `json:"iat"`
	Jti      *string         `json:"jti"`
	ACR      *string         `json:"acr"`
	Details  json.RawMessage `json:"authorization_details"`
	Cnf      *struct {
		JKT string `json:"jkt"`
		X5T string `json:"x5t#S256"`
	} `json:"cnf"`
}

// present reports whether the named claim was sent (and not null).
func (c *wireClaims) present(name string) bool {
	switch name {
	case "iss":
		return c.Iss != nil
	case "sub":
		return c.Sub != nil
	case "aud":
		return len(c.Aud) > 0 && string(c.Aud) != "null"
	case "client_id":
		return c.ClientID != nil
	case "scope":
		return c.Scope != nil
	case "exp":
		return len(c.Exp) > 0 && string(c.Exp) != "null"
	case "nbf":
		return len(c.Nbf) > 0 && string(c.Nbf) != "null"
	case "iat":
		return len(c.Iat) > 0 && string(c.Iat) != "null"
	case "jti":
		return c.Jti != nil
	case "cnf":
		return c.Cnf != nil
	}
	return false
}

var errClaimType = errors.New("gateway: claim has the wrong JSON type")

// numericDate decodes an RFC 7519 §2 NumericDate: a JSON number, never a
// string. Absent or null gives the zero time.
func numericDate(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return time.Time{}, errClaimType
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f < 0 || f > 1e11 || math.IsNaN(f) {
		return time.Time{}, errClaimType
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

// audience decodes aud: a string or an array of strings (RFC 7519
// §4.1.3; CVE-2020-26160).
func audience(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errClaimType
		}
		return []string{s}, nil
	case '[':
		var a []string
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, errClaimType
		}
		return a, nil
	}
	return nil, errClaimType
}

// containsString reports whether list holds s.
func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// identity converts checked claims.
func (c *wireClaims) identity(aud []string, iat, exp time.Time) *Identity {
	id := &Identity{Audience: aud, IssuedAt: iat, ExpiresAt: exp}
	if c.Iss != nil {
		id.Issuer = *c.Iss
	}
	if c.Sub != nil {
		id.Subject = *c.Sub
	}
	if c.ClientID != nil {
		id.ClientID = *c.ClientID
	}
	if c.Scope != nil {
		id.Scopes = strings.Fields(*c.Scope)
	}
	if c.Jti != nil {
		id.JTI = *c.Jti
	}
	if c.Cnf != nil {
		id.JKT, id.X5T = c.Cnf.JKT, c.Cnf.X5T
	}
	if c.ACR != nil {
		id.ACR = *c.ACR
	}
	id.DetailTypes = detailTypes(c.Details) // authzdetails.go
	return id
}
