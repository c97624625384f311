package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultMaxTokenBytes caps the length of a token (and of a DPoP proof)
// before any parsing (CVE-2025-30204, CVE-2025-27144).
const DefaultMaxTokenBytes = 8 << 10

// maxJSONDepth bounds the nesting of JOSE headers and claims.
const maxJSONDepth = 16

var errMalformed = errors.New("gateway: malformed JWT")

// signingMethods is the algorithm allow-list (RFC 8725 §3.1): the header's
// alg selects one of these only if the key is bound to it. none and HS*
// are absent by construction.
var signingMethods = map[string]jwt.SigningMethod{
	"ES256": jwt.SigningMethodES256,
	"RS256": jwt.SigningMethodRS256,
	"PS256": jwt.SigningMethodPS256,
	"EdDSA": jwt.SigningMethodEdDSA,
}

// isB64URL reports whether c is in the base64url alphabet (RFC 4648 §5),
// without padding.
func isB64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// looksLikeJWS is the cheap pre-check done before any allocation: at most
// max bytes, exactly three non-empty base64url segments (RFC 7515 §7.1).
func looksLikeJWS(tok string, max int) bool {
	if len(tok) == 0 || len(tok) > max {
		return false
	}
	dots, segLen := 0, 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c == '.' {
			if segLen == 0 {
				return false
			}
			dots++
			if dots > 2 {
				return false
			}
			segLen = 0
			continue
		}
		if !isB64URL(c) {
			return false
		}
		segLen++
	}
	return dots == 2 && segLen > 0
}

// jws is a compact JWS split into its parts.
type jws struct {
	header        joseHeader
	payload       []byte
	signingString string
	sig           []byte
}

// joseHeader holds the header members the gateway reads. Any member it
// does not understand is ignored, except those that change how the
// signature or payload must be processed, which are refused.
type joseHeader struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
	B64  json.RawMessage `json:"b64"`
	Zip  json.RawMessage `json:"zip"`
	Enc  json.RawMessage `json:"enc"`
	JWK  json.RawMessage `json:"jwk"`
}

// parseJWS splits and decodes tok, which passed looksLikeJWS. It refuses
// crit (RFC 7515 §4.1.11: we understand no extension), b64 (RFC 7797), zip
// and enc (JWE), and duplicate JSON members anywhere.
func parseJWS(tok string) (*jws, error) {
	i := strings.IndexByte(tok, '.')
	j := strings.LastIndexByte(tok, '.')
	hb, err := base64.RawURLEncoding.Strict().DecodeString(tok[:i])
	if err != nil {
		return nil, errMalformed
	}
	pb, err := base64.RawURLEncoding.Strict().DecodeString(tok[i+1 : j])
	if err != nil {
		return nil, errMalformed
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(tok[j+1:])
	if err != nil {
		return nil, errMalformed
	}
	var h joseHeader
	if err := strictUnmarshal(hb, &h); err != nil {
		return nil, err
	}
	if h.Crit != nil || h.B64 != nil || h.Zip != nil || h.Enc != nil {
		return nil, errors.New("gateway: unsupported JOSE header member")
	}
	return &jws{header: h, payload: pb, signingString: tok[:j], sig: sig}, nil
}

// verifySig checks the signature with key under alg, which the caller has
// already matched against the key's bound algorithms.
func (t *jws) verifySig(alg string, key any) error {
	m, ok := signingMethods[alg]
	if !ok {
		return errors.New("gateway: algorithm not allowed")
	}
	return m.Verify(t.signingString, t.sig, key)
}

// strictUnmarshal decodes a JSON object into v after checking that it is
// one well-formed value with no duplicate member names at any depth and
// nesting of at most maxJSONDepth.
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
				return errors.New("gateway: duplicate JSON member")
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

// typIs reports whether typ names the media type want, case-insensitively
// and with or without the "application/" prefix (RFC 7515 §4.1.9, RFC 9068
// §2.1).
func typIs(typ, want string) bool {
	typ = strings.ToLower(typ)
	return typ == want || typ == "application/"+want
}
