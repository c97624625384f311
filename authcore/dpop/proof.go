package dpop

import (
	"crypto"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore/jws"
)

// Defaults of Expect.
const (
	// DefaultMaxAge is how old a proof's iat may be (RFC 9449 §11.1).
	DefaultMaxAge = 60 * time.Second
	// DefaultLeeway is the clock skew allowed on iat.
	DefaultLeeway = 5 * time.Second
	// DefaultMaxBytes caps a proof before any parsing.
	DefaultMaxBytes = 8 << 10
)

// Algorithms are the proof algorithms accepted (RFC 9449 §4.3 step 6;
// the dpop_signing_alg_values_supported metadata of §5.1 and the algs
// challenge parameter of §7.1): asymmetric only, never none or HS*.
var Algorithms = []string{"ES256", "PS256", "EdDSA"}

var methods = map[string]jwt.SigningMethod{
	"ES256": jwt.SigningMethodES256, "PS256": jwt.SigningMethodPS256, "EdDSA": jwt.SigningMethodEdDSA,
}

// Expect is what a proof must match: the request it came with (RFC 9449
// §4.3 steps 8-11) and, at a resource, the access token (§4.3 step 12,
// ath).
type Expect struct {
	// Method is the HTTP method of the request (htm).
	Method string
	// URL is the request URL, already normalised with NormalizeHTU.
	URL string
	// AccessToken, when set, must be hashed in ath (resource requests).
	AccessToken string
	// Now is the current time; MaxAge and Leeway bound iat (zero: the
	// defaults); MaxBytes caps the proof (zero: DefaultMaxBytes).
	Now      time.Time
	MaxAge   time.Duration
	Leeway   time.Duration
	MaxBytes int
}

// Proof is a proof that passed Check.
type Proof struct {
	// JKT is the JWK SHA-256 thumbprint of the proof key (RFC 9449 §6.1,
	// RFC 7638), base64url.
	JKT string
	// JTI is the proof's unique identifier (§4.2).
	JTI string
	// IssuedAt is iat; ReplayUntil is how long the jti must be
	// remembered (iat + MaxAge + 2·Leeway, the node-oidc-provider
	// 7.11.0 lesson).
	IssuedAt    time.Time
	ReplayUntil time.Time
	// Nonce is the nonce claim, "" when absent (§8, §9).
	Nonce string
}

// Error is why a proof was refused. Every Error is answered with
// invalid_dpop_proof (RFC 9449 §5, §7.1); Reason is a short code for logs
// and metrics, Description a public sentence.
type Error struct {
	Reason      string
	Description string
}

// Error implements error.
func (e *Error) Error() string { return "dpop: " + e.Reason + ": " + e.Description }

func refuse(reason, desc string) *Error { return &Error{Reason: reason, Description: desc} }

// FromHeader returns the request's single DPoP header (RFC 9449 §4.3
// step 1): present reports whether there was any; two or more are an
// error.
func FromHeader(h http.Header) (proof string, present bool, err error) {
	vals := h.Values("DPoP")
	switch len(vals) {
	case 0:
		return "", false, nil
	case 1:
		return vals[0], true, nil
	}
	return "", true, refuse("dpop_count", "send exactly one DPoP proof header")
}

type claims struct {
	Jti   *string         `json:"jti"`
	Htm   *string         `json:"htm"`
	Htu   *string         `json:"htu"`
	Iat   json.RawMessage `json:"iat"`
	Ath   *string         `json:"ath"`
	Nonce *string         `json:"nonce"`
}

// Check verifies proof against want (RFC 9449 §4.3 steps 2-12): a
// well-formed JWS of typ dpop+jwt, an allowed algorithm bound to its
// embedded public jwk, a valid signature by that key, jti, htm = the
// method, htu = the URL after normalisation (query and fragment ignored),
// iat within the window and, when want.AccessToken is set, ath. Replay
// (step 11's jti), nonces and the token's key binding are the caller's.
func Check(proof string, want Expect) (*Proof, error) {
	fillDefaults(&want)
	j, err := jws.Parse(proof, want.MaxBytes)
	if err != nil {
		return nil, refuse("dpop_malformed", "the DPoP proof is not a well-formed JWT")
	}
	if t := j.Header.Typ; t != "dpop+jwt" && t != "application/dpop+jwt" {
		return nil, refuse("dpop_typ", "the DPoP proof's typ must be dpop+jwt")
	}
	m, ok := methods[j.Header.Alg]
	if !ok {
		return nil, refuse("dpop_alg", "the DPoP proof's algorithm is not accepted")
	}
	jwk, err := publicKey(j.Header.JWK)
	if err != nil {
		return nil, err
	}
	if !keyAllows(jwk, j.Header.Alg) || m.Verify(j.SigningString, j.Sig, jwk.Key) != nil {
		return nil, refuse("dpop_signature", "the DPoP proof's signature does not verify with its jwk")
	}
	var c claims
	if err := jws.StrictUnmarshal(j.Payload, &c); err != nil || c.Jti == nil || *c.Jti == "" || len(*c.Jti) > 256 ||
		c.Htm == nil || c.Htu == nil || (want.AccessToken != "" && c.Ath == nil) {
		return nil, refuse("dpop_claims", "the DPoP proof lacks jti, htm, htu, iat or ath")
	}
	if *c.Htm != want.Method {
		return nil, refuse("dpop_htm", "the DPoP proof's htm does not match the request method")
	}
	if got, ok := NormalizeHTU(*c.Htu); !ok || got != want.URL {
		return nil, refuse("dpop_htu", "the DPoP proof's htu does not match the request URL")
	}
	iat, ok := numericDate(c.Iat)
	if !ok || iat.After(want.Now.Add(want.Leeway)) || iat.Before(want.Now.Add(-want.MaxAge-want.Leeway)) {
		return nil, refuse("dpop_iat", "the DPoP proof's iat is missing or outside the accepted window")
	}
	if want.AccessToken != "" {
		ath := ATH(want.AccessToken)
		if subtle.ConstantTimeCompare([]byte(*c.Ath), []byte(ath)) != 1 {
			return nil, refuse("dpop_ath", "the DPoP proof's ath does not match the access token")
		}
	}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, refuse("dpop_jwk", "the DPoP proof's jwk must be a public key")
	}
	p := &Proof{JKT: base64.RawURLEncoding.EncodeToString(tp), JTI: *c.Jti, IssuedAt: iat,
		ReplayUntil: iat.Add(want.MaxAge + 2*want.Leeway)}
	if c.Nonce != nil {
		p.Nonce = *c.Nonce
	}
	return p, nil
}

func fillDefaults(w *Expect) {
	if w.MaxAge <= 0 {
		w.MaxAge = DefaultMaxAge
	}
	if w.Leeway <= 0 {
		w.Leeway = DefaultLeeway
	}
	if w.MaxBytes <= 0 {
		w.MaxBytes = DefaultMaxBytes
	}
	if w.Now.IsZero() {
		w.Now = time.Now()
	}
}
