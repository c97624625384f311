package jws

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// MaxJSONDepth bounds the nesting of a header or claims set.
const MaxJSONDepth = 16

// ErrMalformed is returned for every token that is not a well-formed
// compact JWS; the reason is not told apart, so no caller can leak it.
var ErrMalformed = errors.New("jws: malformed JWT")

// IsB64URL reports whether c is in the base64url alphabet (RFC 4648 §5),
// without padding.
func IsB64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// LooksLikeCompact is the cheap pre-check done before any allocation: at
// most max bytes and exactly three non-empty base64url segments (RFC 7515
// §7.1).
func LooksLikeCompact(tok string, max int) bool {
	if len(tok) == 0 || len(tok) > max {
		return false
	}
	dots, segLen := 0, 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c == '.' {
			if segLen == 0 || dots == 2 {
				return false
			}
			dots, segLen = dots+1, 0
			continue
		}
		if !IsB64URL(c) {
			return false
		}
		segLen++
	}
	return dots == 2 && segLen > 0
}

// Header holds the JOSE header members Latchkey's verifiers read. Members
// not listed are ignored (jku, x5u and x5c included: keys never come
// from the token, RFC 8725 §3.10).
type Header struct {
	Alg string          `json:"alg"`
	Kid string          `json:"kid"`
	Typ string          `json:"typ"`
	JWK json.RawMessage `json:"jwk"` // read by DPoP only (RFC 9449 §4.2)
	// Crit, B64, Zip and Enc are kept only to be refused by Parse.
	Crit json.RawMessage `json:"crit"`
	B64  json.RawMessage `json:"b64"`
	Zip  json.RawMessage `json:"zip"`
	Enc  json.RawMessage `json:"enc"`
}

// Compact is a compact JWS split into its parts.
type Compact struct {
	Header  Header
	Payload []byte
	// SigningString is the ASCII header.payload the signature covers.
	SigningString string
	Sig           []byte
}

// Parse splits and decodes tok after checking it with LooksLikeCompact
// against max. It refuses crit (RFC 7515 §4.1.11: no extension is
// understood), b64 (RFC 7797), zip and enc (a JWE), non-canonical
// base64url, and duplicate or too deeply nested JSON members in the
// header. The payload is returned undecoded: read it with StrictUnmarshal.
func Parse(tok string, max int) (*Compact, error) {
	if !LooksLikeCompact(tok, max) {
		return nil, ErrMalformed
	}
	i, j := strings.IndexByte(tok, '.'), strings.LastIndexByte(tok, '.')
	dec := base64.RawURLEncoding.Strict()
	hb, err1 := dec.DecodeString(tok[:i])
	pb, err2 := dec.DecodeString(tok[i+1 : j])
	sig, err3 := dec.DecodeString(tok[j+1:])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, ErrMalformed
	}
	var h Header
	if err := StrictUnmarshal(hb, &h); err != nil {
		return nil, err
	}
	if h.Crit != nil || h.B64 != nil || h.Zip != nil || h.Enc != nil {
		return nil, ErrMalformed
	}
	return &Compact{Header: h, Payload: pb, SigningString: tok[:j], Sig: sig}, nil
}

// TypIs reports whether typ names the media type want, case-insensitively
// and with or without the "application/" prefix (RFC 7515 §4.1.9, RFC
// 9068 §2.1).
func TypIs(typ, want string) bool {
	typ = strings.ToLower(typ)
	return typ == want || typ == "application/"+want
}

// StrictUnmarshal decodes one JSON object into v after checking that it
// is a single well-formed value with no duplicate member names at any
// depth and nesting of at most MaxJSONDepth (a duplicate exp or sub read
// differently by two parsers is a known bypass).
func StrictUnmarshal(b []byte, v any) error {
	if len(b) == 0 || b[0] != '{' {
		return ErrMalformed
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := walkJSON(dec, 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return ErrMalformed
	}
	if err := json.Unmarshal(b, v); err != nil {
		return ErrMalformed
	}
	return nil
}

func walkJSON(dec *json.Decoder, depth int) error {
	if depth > MaxJSONDepth {
		return ErrMalformed
	}
	t, err := dec.Token()
	if err != nil {
		return ErrMalformed
	}
	switch t {
	case json.Delim('{'):
		seen := make(map[string]struct{})
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return ErrMalformed
			}
			name, _ := k.(string)
			if _, dup := seen[name]; dup {
				return ErrMalformed
			}
			seen[name] = struct{}{}
			if err := walkJSON(dec, depth+1); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		for dec.More() {
			if err := walkJSON(dec, depth+1); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	}
	if err != nil {
		return ErrMalformed
	}
	return nil
}
