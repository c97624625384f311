package oidc

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/dpop"
)

// nonceKindDPoP is the authcore.Nonces kind of DPoP proof jtis, shared
// with the token endpoint.
const nonceKindDPoP = "dpop_proof"

// cnfClaim is an access token's confirmation (RFC 7800 §3.1): the DPoP
// key (RFC 9449 §6.1) or client certificate (RFC 8705 §3.1) it is bound
// to.
type cnfClaim struct {
	JKT string `json:"jkt,omitempty"`
	X5T string `json:"x5t#S256,omitempty"`
}

// checkBinding enforces an access token's sender constraint at /userinfo
// and reports whether the request may proceed; when not, it has answered.
// A DPoP-bound token needs the DPoP scheme and a proof of its key for
// this request with ath (RFC 9449 §7.1), used once; presented as Bearer it
// is invalid_token (§7.2). The DPoP scheme with an unbound token is
// refused too. A certificate-bound token needs the same TLS client
// certificate (RFC 8705 §3).
func (p *Provider) checkBinding(w http.ResponseWriter, r *http.Request, token string, c *accessClaims, dpopScheme bool) bool {
	var cnf cnfClaim
	if c.Cnf != nil {
		cnf = *c.Cnf
	}
	switch {
	case cnf.JKT != "" && !dpopScheme:
		dpopError(w, "invalid_token", "this access token is DPoP-bound; send it with the DPoP scheme and a proof")
		return false
	case cnf.JKT == "" && dpopScheme:
		dpopError(w, "invalid_token", "this access token is not DPoP-bound; send it with the Bearer scheme")
		return false
	case cnf.JKT != "":
		if code, desc := p.checkProof(r, token, cnf.JKT); code != "" {
			if code == "temporarily_unavailable" {
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": code})
			} else {
				dpopError(w, code, desc)
			}
			return false
		}
	}
	if cnf.X5T != "" {
		var got string
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			sum := sha256.Sum256(r.TLS.PeerCertificates[0].Raw)
			got = base64.RawURLEncoding.EncodeToString(sum[:])
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(cnf.X5T)) != 1 {
			bearerError(w, http.StatusUnauthorized, "invalid_token", "this access token is bound to a client certificate; present that certificate", "")
			return false
		}
	}
	return true
}

// checkProof validates the request's DPoP proof for token, bound to jkt,
// and returns an error code and description when it fails.
func (p *Provider) checkProof(r *http.Request, token, jkt string) (string, string) {
	proof, present, err := dpop.FromHeader(r.Header)
	if err != nil || !present {
		return "invalid_dpop_proof", "send exactly one DPoP proof header"
	}
	htu, _ := dpop.NormalizeHTU(p.cfg.Issuer + "/userinfo")
	now := p.now()
	pr, err := dpop.Check(proof, dpop.Expect{Method: r.Method, URL: htu, AccessToken: token, Now: now})
	var pe *dpop.Error
	if errors.As(err, &pe) {
		return "invalid_dpop_proof", pe.Description
	} else if err != nil {
		return "invalid_dpop_proof", "the DPoP proof is not valid"
	}
	if pr.JKT != jkt {
		return "invalid_token", "the DPoP proof's key is not the key the access token is bound to"
	}
	switch err := p.store.UseOnce(r.Context(), nonceKindDPoP, pr.JKT+":"+pr.JTI, pr.ReplayUntil); {
	case errors.Is(err, authcore.ErrConsumed):
		return "invalid_dpop_proof", "the DPoP proof was already used"
	case err != nil:
		p.log.Error().Err(err).Msg("oidc: userinfo: DPoP replay cache")
		return "temporarily_unavailable", ""
	}
	return "", ""
}

// dpopError answers 401 with a DPoP challenge (RFC 9449 §7.1).
func dpopError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("WWW-Authenticate", `DPoP error="`+code+`", algs="`+strings.Join(dpop.Algorithms, " ")+`"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": code, "error_description": desc})
}
