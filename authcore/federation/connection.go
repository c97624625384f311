package federation

import (
	"context"
	"time"
)

// KeyInfo describes one usable key of a provider's JWKS.
type KeyInfo struct {
	KeyID      string   `json:"kid"`
	Algorithms []string `json:"algs"`
}

// ConnectionReport is what TestConnection found at an issuer.
type ConnectionReport struct {
	Issuer                string    `json:"issuer"`
	OK                    bool      `json:"ok"`
	Error                 string    `json:"error,omitempty"`
	AuthorizationEndpoint string    `json:"authorization_endpoint,omitempty"`
	TokenEndpoint         string    `json:"token_endpoint,omitempty"`
	JWKSURI               string    `json:"jwks_uri,omitempty"`
	SigningAlgorithms     []string  `json:"id_token_signing_alg_values_supported,omitempty"`
	PKCEMethods           []string  `json:"code_challenge_methods_supported,omitempty"`
	Keys                  []KeyInfo `json:"keys,omitempty"`
	CheckedAt             time.Time `json:"checked_at"`
}

// TestConnection fetches the issuer's discovery document (OIDC Discovery
// 1.0 §4) and JWKS afresh, bypassing the caches, and reports what it
// found. A failure is in the report, not the error; the error is only for
// a cancelled ctx.
func (s *Service) TestConnection(ctx context.Context, issuer string) (ConnectionReport, error) {
	rep := ConnectionReport{Issuer: issuer, CheckedAt: s.now()}
	if err := checkIssuer(issuer); err != nil {
		rep.Error = "federation: " + err.Error()
		return rep, nil
	}
	r := s.newRemote(issuer) // not the cached one: the caches are bypassed
	md, err := s.metadataOf(ctx, r)
	if err != nil {
		rep.Error = err.Error()
		return rep, ctx.Err()
	}
	rep.AuthorizationEndpoint, rep.TokenEndpoint, rep.JWKSURI = md.AuthorizationEndpoint, md.TokenEndpoint, md.JWKSURI
	rep.SigningAlgorithms, rep.PKCEMethods = md.SigningAlgs, md.CodeChallengeMethods
	ks, err := r.keys.Get(ctx, false)
	if err != nil {
		rep.Error = err.Error()
		return rep, ctx.Err()
	}
	rep.Keys = kids(ks)
	rep.OK = len(rep.Keys) > 0
	if !rep.OK {
		rep.Error = "federation: the JWKS holds no usable signing key"
	}
	return rep, nil
}
