package oauth

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/internal/jsonenc"
)

// AppendJSON appends the access token's claims as encoding/json writes
// them (the signer uses it instead of json.Marshal, keys.JSONAppender):
// fields in declaration order, the embedded structs' in place, empty
// omitempty ones left out. Every token the token endpoint issues is
// signed, and reflection over these claims was a tenth of what signing
// one cost beside the signature. Tokens with an act or
// authorization_details claim (token exchange, RFC 9396), and a jwt
// package set to another time precision, take encoding/json itself.
// FuzzAccessClaimsJSON compares the two.
func (c accessClaims) AppendJSON(b []byte) ([]byte, error) {
	if c.Act != nil || c.AuthorizationDetails != nil || jwt.TimePrecision != time.Second || !jwt.MarshalSingleStringAsArray {
		out, err := json.Marshal(c)
		return append(b, out...), err
	}
	b = append(b, '{')
	str := func(name, v string) {
		if v != "" {
			b = append(b, name...)
			b = jsonenc.AppendString(b, v)
			b = append(b, ',')
		}
	}
	date := func(name string, d *jwt.NumericDate) {
		if d != nil {
			b = append(b, name...)
			b = strconv.AppendInt(b, d.Truncate(time.Second).Unix(), 10)
			b = append(b, ',')
		}
	}
	str(`"iss":`, c.Issuer)
	str(`"sub":`, c.Subject)
	if len(c.Audience) > 0 {
		b = append(b, `"aud":`...)
		b = jsonenc.AppendStrings(b, c.Audience)
		b = append(b, ',')
	}
	date(`"exp":`, c.ExpiresAt)
	date(`"nbf":`, c.NotBefore)
	date(`"iat":`, c.IssuedAt)
	str(`"jti":`, c.ID)
	b = append(b, `"client_id":`...) // not omitempty
	b = jsonenc.AppendString(b, c.ClientID)
	b = append(b, ',')
	str(`"scope":`, c.Scope)
	str(`"grant_id":`, c.GrantID)
	if c.Cnf != nil {
		b = append(b, `"cnf":{`...)
		n := len(b)
		if c.Cnf.JKT != "" {
			b = append(b, `"jkt":`...)
			b = jsonenc.AppendString(b, c.Cnf.JKT)
		}
		if c.Cnf.X5T != "" {
			if len(b) > n {
				b = append(b, ',')
			}
			b = append(b, `"x5t#S256":`...)
			b = jsonenc.AppendString(b, c.Cnf.X5T)
		}
		b = append(b, '}', ',')
	}
	date(`"auth_time":`, c.AuthTime)
	str(`"acr":`, c.ACR)
	if len(c.AMR) > 0 {
		b = append(b, `"amr":`...)
		b = jsonenc.AppendStrings(b, c.AMR)
		b = append(b, ',')
	}
	b[len(b)-1] = '}' // the comma after the last field (client_id is always there)
	return b, nil
}
