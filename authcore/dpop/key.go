package dpop

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// privateMembers are JWK members only a private or symmetric key has (RFC
// 7518 §6.2.2, §6.3.2, §6.4); a proof's jwk carrying any is refused (RFC
// 9449 §4.3 step 7).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// ATH is the ath claim for an access token (RFC 9449 §4.2): base64url
// SHA-256 of its ASCII value.
func ATH(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// publicKey decodes the proof's jwk header: a public key only.
func publicKey(raw json.RawMessage) (*jose.JSONWebKey, error) {
	bad := refuse("dpop_jwk", "the DPoP proof's jwk must be a public key")
	if len(raw) == 0 || raw[0] != '{' {
		return nil, bad
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, bad
	}
	for _, m := range privateMembers {
		if _, ok := members[m]; ok {
			return nil, bad
		}
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(raw); err != nil || !jwk.IsPublic() || !jwk.Valid() {
		return nil, bad
	}
	return &jwk, nil
}

// keyAllows binds the algorithm to the key type (RFC 8725 §3.1): ES256 to
// P-256, PS256 to RSA of at least 2048 bits, EdDSA to Ed25519; a jwk alg
// member, when present, must agree.
func keyAllows(jwk *jose.JSONWebKey, alg string) bool {
	if jwk.Algorithm != "" && jwk.Algorithm != alg {
		return false
	}
	switch k := jwk.Key.(type) {
	case *ecdsa.PublicKey:
		return alg == "ES256" && k.Curve == elliptic.P256()
	case *rsa.PublicKey:
		return alg == "PS256" && k.N.BitLen() >= 2048
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

// numericDate decodes an RFC 7519 §2 NumericDate: a JSON number, never a
// string; absent is not ok.
func numericDate(raw json.RawMessage) (time.Time, bool) {
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f <= 0 || f > 1e11 || math.IsNaN(f) {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}
