package gateway

import (
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultDPoPMaxAge is how old a DPoP proof's iat may be (RFC 9449 §11.1).
const DefaultDPoPMaxAge = 60 * time.Second

// dpopAlgs are the proof algorithms accepted (RFC 9449 §4.3 step 6 and
// the challenge's algs parameter, DPoPAlgs).
var dpopAlgs = map[string]bool{"ES256": true, "PS256": true, "EdDSA": true}

// privateMembers are JWK members that only a private key has (RFC 7518
// §6.2.2, §6.3.2, §6.4): a proof's jwk carrying any is refused (RFC 9449
// §4.3 step 7).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// dpopChecker verifies DPoP proofs at the resource server (RFC 9449 §4.3,
// §7.1).
type dpopChecker struct {
	maxAge   time.Duration
	leeway   time.Duration
	maxBytes int
	now      func() time.Time
	replay   *replayCache
}

type dpopClaims struct {
	Jti *string         `json:"jti"`
	Htm *string         `json:"htm"`
	Htu *string         `json:"htu"`
	Iat json.RawMessage `json:"iat"`
	Ath *string         `json:"ath"`
}

// check verifies the request's single DPoP proof for the access token
// bound to jkt, requested at htu (already normalised).
func (c *dpopChecker) check(r *http.Request, htu, token, jkt string) *denial {
	vals := r.Header.Values("DPoP")
	if len(vals) != 1 {
		return proofDenial("dpop_count", "send exactly one DPoP proof header")
	}
	proof := vals[0]
	if !looksLikeJWS(proof, c.maxBytes) {
		return proofDenial("dpop_malformed", "the DPoP proof is not a well-formed JWT")
	}
	j, err := parseJWS(proof)
	if err != nil {
		return proofDenial("dpop_malformed", "the DPoP proof is not a well-formed JWT")
	}
	if !typIs(j.header.Typ, "dpop+jwt") {
		return proofDenial("dpop_typ", "the DPoP proof's typ must be dpop+jwt")
	}
	if !dpopAlgs[j.header.Alg] {
		return proofDenial("dpop_alg", "the DPoP proof's algorithm is not accepted")
	}
	jwk, d := proofKey(j.header.JWK)
	if d != nil {
		return d
	}
	if !containsString(algsForKey(jwk.Key, jwk.Algorithm), j.header.Alg) || j.verifySig(j.header.Alg, jwk.Key) != nil {
		return proofDenial("dpop_signature", "the DPoP proof's signature does not verify with its jwk")
	}
	var pc dpopClaims
	if err := strictUnmarshal(j.payload, &pc); err != nil || pc.Jti == nil || *pc.Jti == "" || len(*pc.Jti) > 256 ||
		pc.Htm == nil || pc.Htu == nil || pc.Ath == nil {
		return proofDenial("dpop_claims", "the DPoP proof lacks jti, htm, htu, iat or ath")
	}
	if *pc.Htm != r.Method {
		return proofDenial("dpop_htm", "the DPoP proof's htm does not match the request method")
	}
	if got, ok := normalizeHTU(*pc.Htu); !ok || got != htu {
		return proofDenial("dpop_htu", "the DPoP proof's htu does not match the request URL")
	}
	iat, err := numericDate(pc.Iat)
	now := c.now()
	if err != nil || iat.IsZero() || iat.After(now.Add(c.leeway)) || iat.Before(now.Add(-c.maxAge-c.leeway)) {
		return proofDenial("dpop_iat", "the DPoP proof's iat is missing or outside the accepted window")
	}
	sum := sha256.Sum256([]byte(token))
	if *pc.Ath != base64.RawURLEncoding.EncodeToString(sum[:]) {
		return proofDenial("dpop_ath", "the DPoP proof's ath does not match the access token")
	}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil || base64.RawURLEncoding.EncodeToString(tp) != jkt {
		return &denial{status: http.StatusUnauthorized, code: CodeInvalidToken, dpop: true, challenge: true,
			reason: "dpop_key_mismatch", desc: "the DPoP proof's key is not the key the access token is bound to"}
	}
	if !c.replay.add(jkt+"\x00"+*pc.Jti, iat.Add(c.maxAge+2*c.leeway), now) {
		return proofDenial("dpop_replay", "the DPoP proof was already used; send a fresh proof with each request")
	}
	return nil
}

// proofKey decodes the proof's jwk header: a public key only.
func proofKey(raw json.RawMessage) (*jose.JSONWebKey, *denial) {
	bad := proofDenial("dpop_jwk", "the DPoP proof's jwk must be a public key")
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

// replayCache remembers proof jtis until they could no longer be accepted
// (RFC 9449 §11.1; kept exp + skew, the node-oidc-provider 7.11.0 lesson).
type replayCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
	max  int
}

func newReplayCache(max int) *replayCache {
	return &replayCache{seen: make(map[string]time.Time), max: max}
}

// add records key until until and reports whether it was new. When the
// cache is full of live entries it refuses (fails closed).
func (c *replayCache) add(key string, until, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.seen[key]; ok && now.Before(t) {
		return false
	}
	if len(c.seen) >= c.max {
		for k, t := range c.seen {
			if !now.Before(t) {
				delete(c.seen, k)
			}
		}
		if len(c.seen) >= c.max {
			return false
		}
	}
	c.seen[key] = until
	return true
}
