package oauth

import (
	"encoding/json"
	"strconv"

	"github.com/latchkey/latchkey/internal/jsonenc"
)

// introspection is one RFC 7662 §2.2 answer. Its zero value is the
// answer for a token that is not active: {"active":false} and nothing
// else. appendJSON writes the bytes encoding/json wrote for the
// map[string]any this server answered with before (keys in byte order,
// optional members left out as the map left them out) without the map,
// its sort and reflection: the answer is the hot path of every resource
// server that introspects. TestIntrospectionJSON and FuzzIntrospectionJSON
// compare the two.
type introspection struct {
	active bool
	// tokenType is Bearer, DPoP (a key-bound access token) or
	// refresh_token.
	tokenType string
	clientID  string
	sub, iss  string
	// aud is always written, null when nil, as the map wrote it.
	aud []string
	exp int64
	// iat is written when hasIAT (an access token without iat had none).
	iat    int64
	hasIAT bool
	jti    string // access tokens; "" leaves it out (refresh tokens)
	scope  string // "" leaves it out
	// cnf is the token's binding (RFC 9449 §6.2, RFC 8705 §3.2).
	cnf *cnfClaim
	// acr, amr, auth_time of the user's sign-in (authcontext.go).
	acr         string
	amr         []string
	authTime    int64
	hasAuthTime bool
	// details are RFC 9396 §9.2 authorization_details; empty leaves them
	// out.
	details json.RawMessage
}

// auditJTI is the jti the token.introspected event names: nil when the
// answer has none, as the map's missing key gave.
func (in *introspection) auditJTI() any {
	if in.jti == "" {
		return nil
	}
	return in.jti
}

// appendJSON appends the answer as encoding/json wrote the map: members
// in the byte order of their names (acr, active, amr, aud, auth_time,
// authorization_details, client_id, cnf, exp, iat, iss, jti, scope, sub,
// token_type). Only authorization_details, stored JSON, goes through
// encoding/json (which compacts and HTML-escapes it); its error is the
// only one.
func (in *introspection) appendJSON(buf []byte) ([]byte, error) {
	if !in.active {
		return append(buf, `{"active":false}`...), nil
	}
	buf = append(buf, '{')
	if in.acr != "" {
		buf = jsonenc.AppendString(append(buf, `"acr":`...), in.acr)
		buf = append(buf, ',')
	}
	buf = append(buf, `"active":true`...)
	if len(in.amr) > 0 {
		buf = jsonenc.AppendStrings(append(buf, `,"amr":`...), in.amr)
	}
	buf = jsonenc.AppendStrings(append(buf, `,"aud":`...), in.aud)
	if in.hasAuthTime {
		buf = strconv.AppendInt(append(buf, `,"auth_time":`...), in.authTime, 10)
	}
	if len(in.details) > 0 {
		var err error
		if buf, err = appendJSON(append(buf, `,"authorization_details":`...), in.details); err != nil {
			return buf, err
		}
	}
	buf = jsonenc.AppendString(append(buf, `,"client_id":`...), in.clientID)
	if in.cnf != nil {
		buf = in.cnf.appendJSON(append(buf, `,"cnf":`...))
	}
	buf = strconv.AppendInt(append(buf, `,"exp":`...), in.exp, 10)
	if in.hasIAT {
		buf = strconv.AppendInt(append(buf, `,"iat":`...), in.iat, 10)
	}
	buf = jsonenc.AppendString(append(buf, `,"iss":`...), in.iss)
	if in.jti != "" {
		buf = jsonenc.AppendString(append(buf, `,"jti":`...), in.jti)
	}
	if in.scope != "" {
		buf = jsonenc.AppendString(append(buf, `,"scope":`...), in.scope)
	}
	buf = jsonenc.AppendString(append(buf, `,"sub":`...), in.sub)
	buf = jsonenc.AppendString(append(buf, `,"token_type":`...), in.tokenType)
	return append(buf, '}'), nil
}

// appendJSON writes the cnf claim as encoding/json writes the struct:
// fields in declaration order, empty ones left out.
func (c *cnfClaim) appendJSON(buf []byte) []byte {
	buf = append(buf, '{')
	if c.JKT != "" {
		buf = jsonenc.AppendString(append(buf, `"jkt":`...), c.JKT)
	}
	if c.X5T != "" {
		if c.JKT != "" {
			buf = append(buf, ',')
		}
		buf = jsonenc.AppendString(append(buf, `"x5t#S256":`...), c.X5T)
	}
	return append(buf, '}')
}
