package oauth

import (
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// appendJSON appends v encoded exactly as encoding/json's Encoder would
// (HTML-safe escaping, sorted map keys, no trailing newline) to buf. The
// answers of the hot endpoints are small maps of strings, numbers, bools
// and string lists; encoding/json walks a map[string]any by reflection,
// which cost about 40% of an introspection's CPU. Those types are written
// here directly; anything else (structs, json.Marshaler values, floats,
// other maps) goes through json.Marshal, so the output never differs
// (FuzzAppendJSON compares the two byte for byte).
func appendJSON(buf []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case string:
		return appendJSONString(buf, x), nil
	case bool:
		return strconv.AppendBool(buf, x), nil
	case int:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(buf, x, 10), nil
	case []string:
		return appendJSONStrings(buf, x), nil
	case *introspection: // introspect_json.go
		return x.appendJSON(buf)
	case tokenResponse:
		return x.appendJSON(buf), nil
	case *tokenResponse:
		if x == nil {
			return append(buf, "null"...), nil
		}
		return x.appendJSON(buf), nil
	case map[string]string:
		return appendJSONMap(buf, x, func(buf []byte, v string) ([]byte, error) { return appendJSONString(buf, v), nil })
	case map[string]any:
		return appendJSONMap(buf, x, appendJSON)
	}
	b, err := json.Marshal(v)
	return append(buf, b...), err
}

// appendJSONStrings writes a list of strings, null when nil.
func appendJSONStrings(buf []byte, x []string) []byte {
	if x == nil {
		return append(buf, "null"...)
	}
	buf = append(buf, '[')
	for i, s := range x {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, s)
	}
	return append(buf, ']')
}

// appendJSONMap writes m as an object, keys in encoding/json's order,
// each value by value.
func appendJSONMap[V any](buf []byte, m map[string]V, value func([]byte, V) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(buf, "null"...), nil
	}
	buf = append(buf, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = value(append(appendJSONString(buf, k), ':'), m[k]); err != nil {
			return buf, err
		}
	}
	return append(buf, '}'), nil
}

// sortedKeys returns m's keys in encoding/json's order (byte-wise).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

const hexDigits = "0123456789abcdef"

// appendJSONString is encoding/json's string encoding with HTML escaping
// on (its Encoder's default): <, > and & as \u003c, \u003e, \u0026,
// U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '\\', '"':
				buf = append(buf, '\\', b)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// jsonBufs recycles the buffers of JSON answers.
var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// appendJSON writes the token response as encoding/json does: fields in
// declaration order, omitempty ones left out when empty.
// TestTokenResponseJSON sets every field by reflection and compares, so a
// field added to the struct and not here fails it.
func (t tokenResponse) appendJSON(buf []byte) []byte {
	buf = append(buf, `{"access_token":`...)
	buf = appendJSONString(buf, t.AccessToken)
	buf = append(buf, `,"token_type":`...)
	buf = appendJSONString(buf, t.TokenType)
	buf = append(buf, `,"expires_in":`...)
	buf = strconv.AppendInt(buf, t.ExpiresIn, 10)
	for _, f := range [...]struct{ name, v string }{
		{`,"refresh_token":`, t.RefreshToken}, {`,"scope":`, t.Scope},
		{`,"id_token":`, t.IDToken}, {`,"issued_token_type":`, t.IssuedTokenType},
	} {
		if f.v != "" {
			buf = appendJSONString(append(buf, f.name...), f.v)
		}
	}
	if len(t.AuthorizationDetails) > 0 { // compact JSON this server wrote (rar.go)
		buf = append(append(buf, `,"authorization_details":`...), t.AuthorizationDetails...)
	}
	return append(buf, '}')
}
