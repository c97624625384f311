package federation

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/jwkset"
	"github.com/latchkey/latchkey/authcore/jws"
)

// replayKind is the authcore.Nonces kind of external ID token uses.
const replayKind = "federation_id_token"

// Expect is what the caller knows about the token it presents.
type Expect struct {
	// Nonce, when set, must equal the token's nonce (OIDC Core §3.1.3.7
	// item 11).
	Nonce string
	// Audience, when set, replaces the provider's accepted audiences
	// (brokered login expects its own client id).
	Audience string
}

// verified is a token that passed every check, with its provider.
type verified struct {
	p      authcore.IdentityProvider
	claims map[string]any
	sub    string
	exp    time.Time
	id     string
}

// Identify validates an external ID token (OIDC Core §3.1.3.7, RFC 8725),
// records its use (replay is refused until its exp), maps it to the
// linked local user (creating one if the provider provisions) and
// returns the identity. Every refusal is an *authcore.ExternalTokenError.
// It is what oauth's token exchange and JWT bearer grants call.
func (s *Service) Identify(ctx context.Context, token, nonce string) (authcore.ExternalIdentity, error) {
	v, err := s.verify(ctx, token, Expect{Nonce: nonce})
	if err != nil {
		return authcore.ExternalIdentity{}, err
	}
	return s.identity(ctx, v)
}

// verify runs every check of Identify before the user mapping, and the
// replay record.
func (s *Service) verify(ctx context.Context, token string, want Expect) (*verified, error) {
	// Shape and size before decoding anything (CVE-2025-30204); crit,
	// zip, enc, b64 and duplicate members are malformed here too.
	tok, err := jws.Parse(token, MaxTokenBytes)
	if err != nil {
		return nil, refuse(ReasonMalformed, err)
	}
	var claims map[string]any
	if err := jws.StrictUnmarshal(tok.Payload, &claims); err != nil {
		return nil, refuse(ReasonMalformed, err)
	}
	iss, _ := claims["iss"].(string)
	p, err := s.providerByIssuer(ctx, iss)
	if err != nil {
		return nil, err
	}
	if err := s.checkSignature(ctx, p, tok); err != nil {
		return nil, err
	}
	v := &verified{p: p, claims: claims}
	if err := s.checkClaims(p, v, want); err != nil {
		return nil, err
	}
	v.id = stringClaim(claims, "jti")
	if v.id == "" {
		sum := sha256.Sum256([]byte(token))
		v.id = "sha256:" + hex.EncodeToString(sum[:])
	}
	// The record outlives the token's acceptance window (RFC 7523 §3
	// item 7; node-oidc-provider 7.11.0: exp plus the clock tolerance).
	err = s.store.UseOnce(ctx, replayKind, p.Issuer+" "+v.id, v.exp.Add(s.cfg.Leeway))
	switch {
	case errors.Is(err, authcore.ErrConsumed):
		return nil, refuse(ReasonReplayed, nil)
	case err != nil:
		return nil, unavailable(ReasonStorage, err)
	}
	return v, nil
}

// providerByIssuer finds the enabled provider whose issuer is exactly iss.
func (s *Service) providerByIssuer(ctx context.Context, iss string) (authcore.IdentityProvider, error) {
	if iss == "" {
		return authcore.IdentityProvider{}, refuse(ReasonUntrustedIssuer, errors.New("federation: no iss"))
	}
	all, err := s.store.ListIdentityProviders(ctx)
	if err != nil {
		return authcore.IdentityProvider{}, unavailable(ReasonStorage, err)
	}
	for _, p := range all {
		if p.Issuer == iss {
			if !p.Enabled {
				return p, refuse(ReasonDisabled, fmt.Errorf("federation: provider %s is disabled", p.ID))
			}
			return p, nil
		}
	}
	return authcore.IdentityProvider{}, refuse(ReasonUntrustedIssuer, fmt.Errorf("federation: issuer %q is not trusted", iss))
}

// checkSignature verifies the signature with a key of the provider's
// JWKS bound to the header's alg, which must be in the provider's
// allow-list. An unknown kid asks for one rate-limited refetch.
func (s *Service) checkSignature(ctx context.Context, p authcore.IdentityProvider, tok *jws.Compact) error {
	h := tok.Header
	if !idTypOK(h.Typ) {
		return refuse(ReasonClaims, fmt.Errorf("federation: typ %q is not an ID token's", h.Typ))
	}
	if !jwkset.Allowed(h.Alg) || !contains(algorithms(p), h.Alg) {
		return refuse(ReasonAlgorithm, fmt.Errorf("federation: alg %q not allowed", h.Alg))
	}
	ks, err := s.keys(ctx, p.Issuer, false)
	if err != nil {
		return unavailable(ReasonJWKSUnavailable, err)
	}
	cands := ks.Find(h.Kid, h.Alg)
	if len(cands) == 0 {
		if ks, err = s.keys(ctx, p.Issuer, true); err != nil {
			return unavailable(ReasonJWKSUnavailable, err)
		}
		if cands = ks.Find(h.Kid, h.Alg); len(cands) == 0 {
			return refuse(ReasonUnknownKey, fmt.Errorf("federation: no %s key with kid %q", h.Alg, h.Kid))
		}
	}
	for _, k := range cands {
		if k.Verify(h.Alg, tok.SigningString, tok.Sig) == nil {
			return nil
		}
	}
	return refuse(ReasonSignature, errors.New("federation: signature does not verify"))
}

// idTypOK reports whether typ is acceptable for an ID token: absent or
// JWT (OIDC Core §2 does not require it); an access token's at+jwt or any
// other explicit type is refused (RFC 8725 §3.11).
func idTypOK(typ string) bool {
	return typ == "" || jws.TypIs(typ, "jwt")
}

// checkClaims applies OIDC Core §3.1.3.7 items 2-11 to a token whose
// signature verified.
func (s *Service) checkClaims(p authcore.IdentityProvider, v *verified, want Expect) error {
	c, now, leeway := v.claims, s.now(), s.cfg.Leeway
	accepted := p.Audiences
	if want.Audience != "" {
		accepted = []string{want.Audience}
	}
	aud := audiences(c["aud"])
	if !intersects(aud, accepted) {
		return refuse(ReasonAudience, errors.New("federation: aud holds no accepted audience"))
	}
	azp := stringClaim(c, "azp")
	if (len(aud) > 1 && azp == "") || (azp != "" && !contains(accepted, azp)) {
		return refuse(ReasonAudience, errors.New("federation: azp missing or not accepted"))
	}
	exp, ok := numericDate(c["exp"])
	if !ok || !now.Before(exp.Add(leeway)) {
		return refuse(ReasonExpired, errors.New("federation: token expired or without exp"))
	}
	iat, ok := numericDate(c["iat"])
	if !ok || iat.After(now.Add(leeway)) {
		return refuse(ReasonIssuedInFuture, errors.New("federation: iat missing or in the future"))
	}
	if nbf, ok := numericDate(c["nbf"]); ok && nbf.After(now.Add(leeway)) {
		return refuse(ReasonIssuedInFuture, errors.New("federation: nbf in the future"))
	}
	if want.Nonce != "" && subtle.ConstantTimeCompare([]byte(stringClaim(c, "nonce")), []byte(want.Nonce)) != 1 {
		return refuse(ReasonNonce, errors.New("federation: nonce mismatch"))
	}
	v.sub = stringClaim(c, claimName(p.Claims.Subject, "sub"))
	if v.sub == "" || len(v.sub) > 255 {
		return refuse(ReasonClaims, errors.New("federation: subject claim missing"))
	}
	v.exp = exp
	return nil
}

// algorithms is the provider's allow-list, or the default.
func algorithms(p authcore.IdentityProvider) []string {
	if len(p.Algorithms) == 0 {
		return authcore.DefaultFederationAlgorithms
	}
	return p.Algorithms
}
