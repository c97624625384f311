package gateway

import (
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/dpop"
)

// binding checks sender constraints (RFC 9449 §7.1, RFC 8705 §3) through
// the shared dpop.Enforcer: a DPoP-bound token must come with the DPoP
// scheme and a valid proof for this request; a Bearer presentation of it
// is invalid_token (RFC 9449 §7.2), as is the DPoP scheme with an unbound
// token; a certificate-bound token needs that client certificate.
func (g *Gateway) binding(q *request, tok string, id *Identity) *denial {
	p := dpop.Presented{Request: q.r, Token: tok, DPoPScheme: q.dpop,
		Binding: dpop.Binding{JKT: id.JKT, X5T: id.X5T}}
	if id.JKT != "" {
		p.URL, _ = requestHTU(q.r, g.cfg.PublicURL)
	}
	if e := g.dpop.Check(p); e != nil {
		return bindingDenial(e)
	}
	return nil
}

// revocation consults the revocation source and, for routes marked
// Introspect, the issuer. An unknown status fails closed (503) unless the
// route allows failing open; a revoked token is always refused.
func (g *Gateway) revocation(q *request, tok string, id *Identity) *denial {
	ctx := q.r.Context()
	// The token's own jti, then its client's (a deleted client's tokens
	// are revoked as one: authcore.ClientRevocationJTI).
	for _, key := range [2]string{id.JTI, clientKey(id.ClientID)} {
		if key == "" {
			continue
		}
		revoked, err := g.cfg.Revocations.IsRevoked(ctx, key)
		if revoked {
			return tokenDenial("revoked", "the access token has been revoked")
		}
		if err != nil && !q.rt.RevocationFailOpen {
			d := plainDenial(http.StatusServiceUnavailable, CodeUnavailable, "revocation_unknown",
				"the gateway cannot tell whether this token was revoked; retry later")
			d.retryAfter = 2
			return d
		}
	}
	if q.rt.Introspect && !id.Introspected {
		active, err := g.cfg.Introspector.Introspect(ctx, tok)
		switch {
		case err != nil && !q.rt.RevocationFailOpen:
			d := plainDenial(http.StatusServiceUnavailable, CodeUnavailable, "introspection_unavailable",
				"the gateway cannot check this token with the authorization server; retry later")
			d.retryAfter = 5
			return d
		case err == nil && active == nil:
			return tokenDenial("inactive", "the access token is not active")
		}
	}
	return nil
}

// enforce applies the route's client and scope rules (RFC 6750 §3.1) and
// the per-client rate limit.
func (g *Gateway) enforce(w http.ResponseWriter, q *request, id *Identity) *denial {
	rt := q.rt
	if rt.clients != nil && !rt.clients[id.ClientID] {
		return plainDenial(http.StatusForbidden, CodeForbidden, "client_not_allowed",
			"this client is not allowed to call this API")
	}
	if d := acrDenial(rt.ACR, id.ACR); d != nil { // acr.go
		return d
	}
	if d := detailsDenial(rt.RequireAuthorizationDetailsType, id.DetailTypes); d != nil { // authzdetails.go
		return d
	}
	for _, s := range rt.Scopes {
		if !id.HasScope(s) {
			return scopeDenial(strings.Join(rt.Scopes, " "), "the access token lacks a scope this API needs: ")
		}
	}
	if len(rt.AnyScopes) > 0 {
		ok := false
		for _, s := range rt.AnyScopes {
			ok = ok || id.HasScope(s)
		}
		if !ok {
			return scopeDenial(strings.Join(rt.AnyScopes, " "), "the access token needs one of these scopes: ")
		}
	}
	if rt.clientLim != nil {
		key := id.ClientID
		if key == "" {
			key = "sub:" + id.Subject
		}
		return g.limit(w, rt.clientLim, key)
	}
	return nil
}

func scopeDenial(scope, desc string) *denial {
	return &denial{status: http.StatusForbidden, code: CodeInsufficientScope, scope: scope, challenge: true,
		reason: "insufficient_scope", desc: desc + scope}
}

// clientKey is the revocation key of a client's tokens, "" for none.
func clientKey(clientID string) string {
	if clientID == "" {
		return ""
	}
	return authcore.ClientRevocationJTI(clientID)
}
