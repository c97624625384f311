package keys

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/internal/jsonenc"
)

// JSONAppender is claims that append their own JSON, byte for byte what
// json.Marshal would write for them, without its reflection (the access
// token's claims, authcore/oauth).
type JSONAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// Sign signs claims as a compact JWS (RFC 7515 §7.1) with the active key
// of alg ("" selects DefaultAlgorithm). The protected header carries alg,
// the key's kid and typ (explicit typing, RFC 8725 §3.11: "at+jwt" for
// RFC 9068 access tokens, "JWT" for ID tokens, "logout+jwt"), which must
// not be empty. claims must have an exp no further than MaxTokenLifetime
// from now, so a retired key outlives every token it signed.
func (m *Manager) Sign(alg, typ string, claims jwt.Claims) (string, error) {
	if alg == "" {
		alg = m.cfg.Algorithms[0]
	}
	k := m.set.Load().signer[alg]
	if k == nil {
		return "", fmt.Errorf("keys: sign with %s: %w", alg, ErrAlgorithmNotInUse)
	}
	if typ == "" {
		return "", errors.New("keys: sign: typ is required (RFC 8725 §3.11)")
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return "", errors.New("keys: sign: claims need an exp")
	}
	if life := exp.Sub(m.cfg.Now()); life > m.cfg.MaxTokenLifetime {
		return "", fmt.Errorf("keys: sign: lifetime %s exceeds MaxTokenLifetime %s", life, m.cfg.MaxTokenLifetime)
	}
	var payload []byte
	switch c := claims.(type) {
	case JSONAppender:
		payload, err = c.AppendJSON(make([]byte, 0, 512))
	case jwt.MapClaims:
		// ID tokens, logout tokens: jsonenc writes what json.Marshal
		// would, without walking the map by reflection (a twentieth of a
		// code exchange's CPU went to the ID token's).
		payload, err = jsonenc.Append(make([]byte, 0, 512), map[string]any(c))
	default:
		payload, err = json.Marshal(claims)
	}
	if err != nil {
		return "", fmt.Errorf("keys: sign: %w", err)
	}
	enc := base64.RawURLEncoding
	hdr := k.header(typ)
	buf := make([]byte, 0, len(hdr)+2+enc.EncodedLen(len(payload))+enc.EncodedLen(512))
	buf = append(buf, hdr...)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, payload)
	sig, err := k.method.Sign(string(buf), k.priv)
	if err != nil {
		return "", fmt.Errorf("keys: sign: %w", err)
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	k.live.add(exp.Time)
	return string(buf), nil
}
