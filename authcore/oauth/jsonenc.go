package oauth

import (
	"strconv"
	"sync"

	"github.com/latchkey/latchkey/internal/jsonenc"
)

// appendJSON appends v encoded exactly as encoding/json's Encoder would
// (internal/jsonenc), with this package's answers written by their own
// encoders: the token response and the introspection answer.
func appendJSON(buf []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case *introspection: // introspect_json.go
		return x.appendJSON(buf)
	case tokenResponse:
		return x.appendJSON(buf), nil
	case *tokenResponse:
		if x == nil {
			return append(buf, "null"...), nil
		}
		return x.appendJSON(buf), nil
	}
	return jsonenc.AppendWith(buf, v, appendJSON)
}

// jsonBufs recycles the buffers of JSON answers.
var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// appendJSON writes the token response as encoding/json does: fields in
// declaration order, omitempty ones left out when empty.
// TestTokenResponseJSON sets every field by reflection and compares, so a
// field added to the struct and not here fails it.
func (t tokenResponse) appendJSON(buf []byte) []byte {
	buf = append(buf, `{"access_token":`...)
	buf = jsonenc.AppendString(buf, t.AccessToken)
	buf = append(buf, `,"token_type":`...)
	buf = jsonenc.AppendString(buf, t.TokenType)
	buf = append(buf, `,"expires_in":`...)
	buf = strconv.AppendInt(buf, t.ExpiresIn, 10)
	for _, f := range [...]struct{ name, v string }{
		{`,"refresh_token":`, t.RefreshToken}, {`,"scope":`, t.Scope},
		{`,"id_token":`, t.IDToken}, {`,"issued_token_type":`, t.IssuedTokenType},
	} {
		if f.v != "" {
			buf = jsonenc.AppendString(append(buf, f.name...), f.v)
		}
	}
	if len(t.AuthorizationDetails) > 0 { // compact JSON this server wrote (rar.go)
		buf = append(append(buf, `,"authorization_details":`...), t.AuthorizationDetails...)
	}
	return append(buf, '}')
}
