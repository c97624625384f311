package dpop

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// maxJSONDepth bounds the nesting of a proof's header and claims.
const maxJSONDepth = 16

var errMalformed = errors.New("dpop: malformed JWT")

// isB64URL reports whether c is in the base64url alphabet (RFC 4648 §5).
func isB64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// looksLikeJWS is the cheap pre-check done before any allocation: at most
// max bytes, exactly three non-empty base64url segments (RFC 7515 §7.1;
// CVE-2025-30204, CVE-2025-27144).
func looksLikeJWS(tok string, max int) bool {
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
		if !isB64URL(c) {
			return false
		}
		segLen++
	}
	return dots == 2 && segLen > 0
}

// header holds the proof header members read. crit, b64, zip and enc
// change how a JWS is processed and are refused when present.
type header struct {
	Alg  string          `json:"alg"`
	Typ  string          `json:"typ"`
	JWK  json.RawMessage `json:"jwk"`
	Crit json.RawMessage `json:"crit"`
	B64  json.RawMessage `json:"b64"`
	Zip  json.RawMessage `json:"zip"`
	Enc  json.RawMessage `json:"enc"`
}

// compact is a compact JWS split into its parts.
type compact struct {
	header        header
	payload       []byte
	signingString string
	sig           []byte
}

// parseCompact splits and decodes tok, which passed looksLikeJWS.
func parseCompact(tok string) (*compact, error) {
	i, j := strings.IndexByte(tok, '.'), strings.LastIndexByte(tok, '.')
	dec := base64.RawURLEncoding.Strict()
	hb, err1 := dec.DecodeString(tok[:i])
	pb, err2 := dec.DecodeString(tok[i+1 : j])
	sig, err3 := dec.DecodeString(tok[j+1:])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, errMalformed
	}
	var h header
	if err := strictUnmarshal(hb, &h); err != nil {
		return nil, err
	}
	if h.Crit != nil || h.B64 != nil || h.Zip != nil || h.Enc != nil {
		return nil, errMalformed
	}
	return &compact{header: h, payload: pb, signingString: tok[:j], sig: sig}, nil
}

// strictUnmarshal decodes one JSON object into v after checking that it
// has no duplicate member names at any depth and nests at most
// maxJSONDepth deep.
func strictUnmarshal(b []byte, v any) error {
	if len(b) == 0 || b[0] != '{' {
		return errMalformed
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := walkJSON(dec, 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errMalformed
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errMalformed
	}
	return nil
}

func walkJSON(dec *json.Decoder, depth int) error {
	if depth > maxJSONDepth {
		return errMalformed
	}
	t, err := dec.Token()
	if err != nil {
		return errMalformed
	}
	switch t {
	case json.Delim('{'):
		seen := make(map[string]struct{})
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return errMalformed
			}
			name, _ := k.(string)
			if _, dup := seen[name]; dup {
				return errMalformed
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
		return errMalformed
	}
	return nil
}
