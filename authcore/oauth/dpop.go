package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/dpop"
)

// DPoP error codes (RFC 9449 §5, §8).
const (
	CodeInvalidDPoPProof = "invalid_dpop_proof"
	CodeUseDPoPNonce     = "use_dpop_nonce"
)

// TokenTypeDPoP is the token_type of DPoP-bound access tokens (RFC 9449
// §5.1).
const TokenTypeDPoP = "DPoP"

// nonceKindDPoP is the authcore.Nonces kind of DPoP proof jtis.
const nonceKindDPoP = "dpop_proof"

// DefaultDPoPNoncePeriod is how long a server nonce is issued; a nonce
// stays valid for twice that.
const DefaultDPoPNoncePeriod = 5 * time.Minute

// DPoPConfig configures DPoP at the token endpoint (RFC 9449). The zero
// value turns it on without server nonces.
type DPoPConfig struct {
	// Disabled turns DPoP off: proofs are ignored, nothing is bound, and
	// dpop_signing_alg_values_supported is not advertised.
	Disabled bool
	// RequireNonce makes every proof carry a server nonce (RFC 9449 §8):
	// a proof without the current one is answered use_dpop_nonce with a
	// DPoP-Nonce header.
	RequireNonce bool
	// NoncePeriod is how often the nonce changes (default 5 min).
	NoncePeriod time.Duration
	// MaxAge and Leeway bound a proof's iat (defaults: dpop package).
	MaxAge, Leeway time.Duration
}

func errDPoP(desc string) *Error {
	return newError(CodeInvalidDPoPProof, http.StatusBadRequest, desc)
}

// tokenDPoP validates the DPoP proof of a token request (RFC 9449 §4.3,
// §5) for client c and returns the thumbprint of its key, or "" when the
// request carries no proof and the client does not require one (§5.2,
// dpop_bound_access_tokens). The proof's jti is recorded durably until
// the proof could no longer be accepted (§11.1), so a replay, even after
// a restart, is refused.
func (s *Server) tokenDPoP(ctx context.Context, w http.ResponseWriter, r *http.Request, c authcore.Client) (string, error) {
	jkt, err := s.endpointDPoP(ctx, w, r, "/token")
	if err == nil && jkt == "" && c.DPoPBoundAccessTokens && !s.cfg.DPoP.Disabled {
		return "", errInvalidRequest("this client must send a DPoP proof")
	}
	return jkt, err
}

// endpointDPoP validates the DPoP proof of a POST to path at the issuer
// (/token, or /par where RFC 9449 §10.1 makes it bind the code like
// dpop_jkt) and returns its key's thumbprint; "" when there is none or
// DPoP is off.
func (s *Server) endpointDPoP(ctx context.Context, w http.ResponseWriter, r *http.Request, path string) (string, error) {
	if s.cfg.DPoP.Disabled {
		return "", nil
	}
	proof, present, err := dpop.FromHeader(r.Header)
	if err != nil {
		return "", errDPoP("send exactly one DPoP proof header")
	}
	if !present {
		return "", nil
	}
	now := s.now()
	htu, _ := dpop.NormalizeHTU(s.cfg.Issuer + path)
	p, err := dpop.Check(proof, dpop.Expect{Method: http.MethodPost, URL: htu, Now: now,
		MaxAge: s.cfg.DPoP.MaxAge, Leeway: s.cfg.DPoP.Leeway})
	var pe *dpop.Error
	if errors.As(err, &pe) {
		return "", errDPoP(pe.Description)
	} else if err != nil {
		return "", errDPoP("the DPoP proof is not valid")
	}
	if s.cfg.DPoP.RequireNonce {
		w.Header().Set("DPoP-Nonce", s.dpopNonce(now, 0))
		if !s.validNonce(p.Nonce, now) {
			return "", newError(CodeUseDPoPNonce, http.StatusBadRequest,
				"authorization server requires a nonce in the DPoP proof")
		}
	}
	switch err := s.store.UseOnce(ctx, nonceKindDPoP, p.JKT+":"+p.JTI, p.ReplayUntil); {
	case errors.Is(err, authcore.ErrConsumed):
		return "", errDPoP("the DPoP proof was already used")
	case err != nil:
		return "", unavailable(err)
	}
	return p.JKT, nil
}

// dpopNonce is the server nonce of the period containing now, shifted by
// back periods (RFC 9449 §8): an HMAC of the period under the
// installation's pepper, so every instance on the same store agrees and
// nothing is stored.
func (s *Server) dpopNonce(now time.Time, back int64) string {
	period := s.cfg.DPoP.NoncePeriod
	if period <= 0 {
		period = DefaultDPoPNoncePeriod
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(now.UnixNano()/int64(period)-back))
	m := hmac.New(sha256.New, s.pepper)
	m.Write([]byte("dpop-nonce\x00"))
	m.Write(b[:])
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// validNonce accepts the current and the previous period's nonce.
func (s *Server) validNonce(n string, now time.Time) bool {
	if n == "" {
		return false
	}
	cur, prev := s.dpopNonce(now, 0), s.dpopNonce(now, 1)
	return hmac.Equal([]byte(n), []byte(cur)) || hmac.Equal([]byte(n), []byte(prev))
}

// checkCodeDPoP enforces dpop_jkt (RFC 9449 §10): a code bound to a key is
// redeemed only with a proof of that key.
func checkCodeDPoP(tr *tokenRequest, ac authcore.AuthCode) error {
	if ac.DPoPJKT != "" && tr.jkt != ac.DPoPJKT {
		return errInvalidGrant("the DPoP proof's key is not the one the authorization request named (dpop_jkt)")
	}
	return nil
}

// parDPoP binds a pushed request to the key of the DPoP proof sent to
// /par (RFC 9449 §10.1): the proof's thumbprint becomes the request's
// dpop_jkt, and a dpop_jkt sent with it (in the form or the request
// object) must name the same key, else invalid_request. The code issued
// for the request is then redeemable only with a proof of that key.
func (s *Server) parDPoP(jkt string, p params) error {
	if jkt == "" {
		return nil
	}
	if v := p.get("dpop_jkt"); v != "" && v != jkt {
		return errInvalidRequest("dpop_jkt does not match the key of the DPoP proof")
	}
	p["dpop_jkt"] = jkt
	return nil
}

// validateDPoPJKT reads the dpop_jkt authorization request parameter (RFC
// 9449 §10): the base64url SHA-256 thumbprint (43 characters) of the key
// the code must be redeemed with. With DPoP off it is ignored.
func (s *Server) validateDPoPJKT(ar *authRequest, p params) error {
	v := p.get("dpop_jkt")
	if v == "" || s.cfg.DPoP.Disabled {
		return nil
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(v); err != nil || len(b) != sha256.Size {
		return errInvalidRequest("dpop_jkt is not a base64url SHA-256 JWK thumbprint")
	}
	ar.dpopJKT = v
	return nil
}
