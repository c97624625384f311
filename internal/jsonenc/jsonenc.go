// Package jsonenc writes JSON exactly as encoding/json does (HTML-safe
// escaping, map keys in byte order, no trailing newline) for the few
// shapes the hot paths write: strings, bools, integers, plain-decimal
// floats, string lists and maps of those. encoding/json walks a map[string]any by reflection, which
// cost about 40% of an introspection's CPU and a few percent of every
// issued token's audit event. Anything else (structs, json.Marshaler
// values, floats, other maps) goes through json.Marshal, so the output
// never differs; FuzzAppend compares the two byte for byte.
package jsonenc

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Append appends v encoded as encoding/json's Encoder would.
func Append(buf []byte, v any) ([]byte, error) {
	return AppendWith(buf, v, Append)
}

// AppendWith is Append with the values of a map[string]any written by
// value, so that a caller can teach it its own types.
func AppendWith(buf []byte, v any, value func([]byte, any) ([]byte, error)) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case string:
		return AppendString(buf, x), nil
	case bool:
		return strconv.AppendBool(buf, x), nil
	case int:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(buf, x, 10), nil
	case float64:
		// encoding/json's form where it is plain decimal: the JWT
		// libraries' NumericDate in a map (jwt.MapClaims) is a float64.
		// Exponents, NaN and infinities go through json.Marshal below.
		if a := math.Abs(x); a == 0 || a >= 1e-6 && a < 1e21 {
			return strconv.AppendFloat(buf, x, 'f', -1, 64), nil
		}
	case []string:
		return AppendStrings(buf, x), nil
	case map[string]string:
		return AppendMap(buf, x, func(buf []byte, v string) ([]byte, error) { return AppendString(buf, v), nil })
	case map[string]any:
		return AppendMap(buf, x, value)
	}
	b, err := json.Marshal(v)
	return append(buf, b...), err
}

// AppendStrings writes a list of strings, null when nil.
func AppendStrings(buf []byte, x []string) []byte {
	if x == nil {
		return append(buf, "null"...)
	}
	buf = append(buf, '[')
	for i, s := range x {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = AppendString(buf, s)
	}
	return append(buf, ']')
}

// AppendMap writes m as an object, keys in encoding/json's order, each
// value by value; null when m is nil.
func AppendMap[V any](buf []byte, m map[string]V, value func([]byte, V) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(buf, "null"...), nil
	}
	buf = append(buf, '{')
	for i, k := range SortedKeys(m) {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = value(append(AppendString(buf, k), ':'), m[k]); err != nil {
			return buf, err
		}
	}
	return append(buf, '}'), nil
}

// SortedKeys returns m's keys in encoding/json's order (byte-wise).
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

const hexDigits = "0123456789abcdef"

// AppendString is encoding/json's string encoding with HTML escaping on
// (its Encoder's and Marshal's default): <, > and & as \u003c, \u003e,
// \u0026, U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func AppendString(buf []byte, s string) []byte {
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

// Reference is what encoding/json's Encoder writes for v, without its
// trailing newline: the bytes every encoder here must match, for their
// tests.
func Reference(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
