package flow

import (
	"encoding/json"
	"fmt"
	"net/http"

	jose "github.com/go-jose/go-jose/v4"
)

// signatureAlgs are the asymmetric JWS algorithms accepted; none and the
// HMAC algorithms never verify against a published key (RFC 8725 §3.1).
var signatureAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// keySet is the issuer's JWKS, fetched once per run.
type keySet struct {
	set *jose.JSONWebKeySet
	err error
}

// jwks fetches jwks_uri the first time a token needs it.
func (r *runner) jwks() *keySet {
	if r.keys != nil {
		return r.keys
	}
	r.keys = &keySet{}
	u := r.md.string("jwks_uri")
	if u == "" {
		r.keys.err = fmt.Errorf("the issuer publishes no jwks_uri")
		return r.keys
	}
	s, rep, err := r.send("JWKS", http.MethodGet, u, nil, "")
	if err != nil {
		r.keys.err = err
		return r.keys
	}
	var set jose.JSONWebKeySet
	if rep.Status != http.StatusOK || json.Unmarshal(rep.Body, &set) != nil {
		r.keys.err = fmt.Errorf("jwks_uri answered %d without a key set", rep.Status)
		s.check(CheckStatus, false, r.keys.err.Error())
		return r.keys
	}
	s.check(CheckStatus, true, fmt.Sprintf("%d keys", len(set.Keys)))
	r.keys.set = &set
	return r.keys
}

// verify checks a compact JWS against the issuer's keys: the key is
// chosen by kid, must be a public key and, when it names an alg, the
// token's alg must be that one (RFC 8725 §3.1).
func (r *runner) verify(value string) *Signature {
	jws, err := jose.ParseSignedCompact(value, signatureAlgs)
	if err != nil {
		return &Signature{Detail: "not verified: " + err.Error()}
	}
	h := jws.Signatures[0].Header
	sig := &Signature{Alg: h.Algorithm, KeyID: h.KeyID}
	ks := r.jwks()
	if ks.err != nil {
		sig.Detail = "not verified: " + ks.err.Error()
		return sig
	}
	cands := ks.set.Keys
	if h.KeyID != "" {
		cands = ks.set.Key(h.KeyID)
	}
	if len(cands) == 0 {
		sig.Detail = fmt.Sprintf("no key with kid %q in the JWKS", h.KeyID)
		return sig
	}
	for _, k := range cands {
		if !k.IsPublic() || (k.Algorithm != "" && k.Algorithm != h.Algorithm) || (k.Use != "" && k.Use != "sig") {
			continue
		}
		if _, err := jws.Verify(k); err == nil {
			sig.Verified = true
			sig.Detail = fmt.Sprintf("%s signature verified with key %q from the JWKS", h.Algorithm, k.KeyID)
			return sig
		}
	}
	sig.Detail = fmt.Sprintf("the %s signature does not verify with any matching JWKS key", h.Algorithm)
	return sig
}
