package keys

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenSize is the largest token Verify parses; anything longer is
// rejected before any decoding (CVE-2025-30204, docs/security.md GW-10).
const MaxTokenSize = 16 << 10

// The pre-check's answers, made once: rejecting a flood costs nothing.
var (
	errTooLarge    = fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxTokenSize)
	errNotCompact  = fmt.Errorf("%w: not three segments", ErrMalformed)
	errHeaderBytes = fmt.Errorf("%w: header encoding", ErrMalformed)
)

// b64 decodes JWS segments: base64url without padding, canonical only.
var b64 = base64.RawURLEncoding.Strict()

// Verify checks a compact JWS signed by this server and fills claims:
//
//   - at most MaxTokenSize bytes, exactly three segments and no line
//     break, checked before anything is decoded;
//   - the key is found by kid only, among published keys that are not
//     revoked; jku, x5u, jwk and x5c are ignored (RFC 8725 §3.10);
//   - alg must equal that key's algorithm: the header never chooses it,
//     so none and HS* never verify (RFC 8725 §3.1, §3.2);
//   - typ must equal typ exactly (RFC 8725 §3.11); crit is refused
//     (RFC 7515 §4.1.11: no extension is understood);
//   - exp is required and, like nbf and iat, checked with Config.Leeway;
//     iss must equal Config.Issuer when that is set.
//
// It returns the kid. On error claims may hold partial data: ignore them.
func (m *Manager) Verify(token, typ string, claims jwt.Claims) (kid string, err error) {
	if len(token) > MaxTokenSize {
		return "", errTooLarge
	}
	// Base64 decoding skips CR and LF even in strict mode: refuse them, so
	// a token has one spelling (caches and logs see the token as issued).
	if strings.Count(token, ".") != 2 || strings.ContainsAny(token, "\r\n") {
		return "", errNotCompact
	}
	i := strings.IndexByte(token, '.')
	j := i + 1 + strings.IndexByte(token[i+1:], '.')
	k, err := m.headerKey(token[:i], typ)
	if err != nil {
		return "", err
	}
	sig, err := b64.DecodeString(token[j+1:])
	if err != nil {
		return "", fmt.Errorf("%w: signature encoding", ErrMalformed)
	}
	if err := k.method.Verify(token[:j], sig, k.pub); err != nil {
		return "", ErrSignature
	}
	payload, err := b64.DecodeString(token[i+1 : j])
	if err != nil {
		return "", fmt.Errorf("%w: payload encoding", ErrMalformed)
	}
	if mc, ok := claims.(jwt.MapClaims); ok {
		err = json.Unmarshal(payload, &mc)
	} else {
		err = json.Unmarshal(payload, claims)
	}
	if err != nil {
		return "", fmt.Errorf("%w: payload is not a JSON claims set", ErrMalformed)
	}
	if err := m.validator.Validate(claims); err != nil {
		return "", fmt.Errorf("%w: %w", ErrClaims, err)
	}
	return k.kid, nil
}

// headerKey decodes the protected header and returns the key it names,
// once alg, typ and crit pass. Member names compare exactly (a map, not
// encoding/json's case-insensitive struct matching).
func (m *Manager) headerKey(seg, typ string) (*material, error) {
	raw, err := b64.DecodeString(seg)
	if err != nil {
		return nil, errHeaderBytes
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	alg, err := headerString(h, "alg")
	if err != nil {
		return nil, err
	}
	kid, err := headerString(h, "kid")
	if err != nil {
		return nil, err
	}
	typHdr, err := headerString(h, "typ")
	if err != nil {
		return nil, err
	}
	if _, ok := h["crit"]; ok {
		return nil, fmt.Errorf("%w: crit extensions are not supported", ErrMalformed)
	}
	k := m.set.Load().byKID[kid]
	if k == nil || kid == "" {
		return nil, ErrUnknownKey
	}
	if alg != k.alg {
		return nil, ErrAlgorithm
	}
	if _, ok := h["typ"]; !ok || typHdr != typ {
		return nil, ErrType
	}
	return k, nil
}

// headerString returns a string member of the header ("" when absent).
func headerString(h map[string]json.RawMessage, name string) (string, error) {
	v, ok := h[name]
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("%w: header %s is not a string", ErrMalformed, name)
	}
	return s, nil
}
