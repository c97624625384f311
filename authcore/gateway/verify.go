package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/authcore/jwkset"
	"github.com/latchkey/latchkey/authcore/jws"
	"github.com/latchkey/latchkey/authcore/tokencache"
)

// DefaultLeeway is the clock skew allowed on exp, nbf and iat (RFC 9068
// §4, FAPI 2.0 §5.3.2.1-13: accept 10 s, reject 60 s).
const DefaultLeeway = 10 * time.Second

// DefaultRequiredClaims are the claims RFC 9068 §2.2 makes mandatory.
// iss, aud and exp are required whatever the configuration says.
var DefaultRequiredClaims = []string{"iss", "sub", "aud", "exp", "iat", "jti", "client_id"}

// verifier checks access-token JWTs locally (RFC 9068 §4).
type verifier struct {
	issuer   string
	maxBytes int // the token size cap, checked before parsing
	keys     KeySource
	leeway   time.Duration
	required []string
	now      func() time.Time
	cache    *verifiedCache
}

// verify is verifyJWT behind the verified-token cache.
func (v *verifier) verify(ctx context.Context, tok string) (*Identity, *denial) {
	key := tokencache.KeyOf(tok)
	now := v.now()
	set, err := v.keys.KeySet(ctx, false)
	if err == nil {
		if id, ok := v.cache.Get(key, set, now); ok {
			return &id, nil
		}
	}
	id, d := v.verifyJWT(ctx, tok)
	if d == nil && err == nil {
		until := now.Add(verifiedTTL)
		if exp := id.ExpiresAt.Add(v.leeway); exp.Before(until) {
			until = exp
		}
		v.cache.Put(key, *id, set, until, now)
	}
	return id, d
}

// verifyJWT checks tok, which passed jws.LooksLikeCompact, in the order of RFC
// 9068 §4 and RFC 8725 §3, and fails closed on every error: the first
// failure ends the check, so no combination of faults can be mistaken for
// a lesser one (CVE-2024-51744). The route's audience is checked by the
// caller.
func (v *verifier) verifyJWT(ctx context.Context, tok string) (*Identity, *denial) {
	j, err := jws.Parse(tok, v.maxBytes)
	if err != nil {
		return nil, tokenDenial("malformed", "the access token is not a well-formed JWT")
	}
	if !jws.TypIs(j.Header.Typ, "at+jwt") {
		return nil, tokenDenial("wrong_typ", "the token is not an access token (typ must be at+jwt)")
	}
	alg := j.Header.Alg
	if !jwkset.Allowed(alg) {
		return nil, tokenDenial("alg_not_allowed", "the access token's signing algorithm is not accepted")
	}
	if d := v.checkSignature(ctx, j, alg); d != nil {
		return nil, d
	}
	var wc wireClaims
	if err := jws.StrictUnmarshal(j.Payload, &wc); err != nil {
		return nil, tokenDenial("malformed_claims", "the access token's claims are not valid JSON")
	}
	partial := wc.identity(nil, time.Time{}, time.Time{}) // for the audit record only
	for _, name := range v.required {
		if !wc.present(name) {
			return partial, tokenDenial("missing_claim", "the access token lacks the required claim "+name)
		}
	}
	if *wc.Iss != v.issuer {
		return partial, tokenDenial("wrong_issuer", "the access token was not issued by this API's authorization server")
	}
	exp, err1 := numericDate(wc.Exp)
	nbf, err2 := numericDate(wc.Nbf)
	iat, err3 := numericDate(wc.Iat)
	aud, err4 := audience(wc.Aud)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return partial, tokenDenial("claim_type", "the access token has a claim of the wrong type")
	}
	now := v.now()
	if !now.Before(exp.Add(v.leeway)) {
		return partial, tokenDenial("expired", "the access token has expired; obtain a new one")
	}
	if !nbf.IsZero() && nbf.After(now.Add(v.leeway)) || !iat.IsZero() && iat.After(now.Add(v.leeway)) {
		return partial, tokenDenial("not_yet_valid", "the access token is not valid yet; check the clocks")
	}
	return wc.identity(aud, iat, exp), nil
}

// checkSignature finds the issuer's key for the kid header and verifies
// with the algorithm bound to that key. The header may only select among
// the key's own algorithms; jku, x5u, jwk and x5c are never consulted
// (RFC 8725 §3.10).
func (v *verifier) checkSignature(ctx context.Context, j *jws.Compact, alg string) *denial {
	ks, err := v.keys.KeySet(ctx, false)
	if err != nil {
		return keysUnavailable()
	}
	cands := ks.Lookup(j.Header.Kid)
	if len(cands) == 0 {
		if ks, err = v.keys.KeySet(ctx, true); err != nil {
			return keysUnavailable()
		}
		cands = ks.Lookup(j.Header.Kid)
	}
	if len(cands) == 0 {
		return tokenDenial("unknown_kid", "the access token was not signed by a current key of the authorization server")
	}
	for _, c := range cands {
		if c.Verify(alg, j.SigningString, j.Sig) == nil {
			return nil
		}
	}
	return tokenDenial("bad_signature", "the access token's signature is not valid")
}

func keysUnavailable() *denial {
	d := plainDenial(http.StatusServiceUnavailable, CodeUnavailable, "keys_unavailable",
		"the gateway cannot reach the authorization server's keys; retry later")
	d.retryAfter = 5
	return d
}
