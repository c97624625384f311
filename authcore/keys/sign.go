package keys

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
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
	if a, ok := claims.(JSONAppender); ok {
		payload, err = a.AppendJSON(make([]byte, 0, 512))
	} else {
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
