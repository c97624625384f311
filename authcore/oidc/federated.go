package oidc

import (
	"context"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
)

// federatedAuth carries the acr and amr of a brokered login (OIDC Core
// §2) into the ID token: when the code's session was started at an
// external provider, its acr replaces Latchkey's password acr (which did
// not happen) and its amr is added. The session is found by its public
// sid among the user's sessions; a session that ended meanwhile changes
// nothing.
func (p *Provider) federatedAuth(ctx context.Context, m jwt.MapClaims, ac authcore.AuthCode) {
	if ac.SessionID == "" {
		return
	}
	sessions, err := p.store.ListSessions(ctx, ac.UserID)
	if err != nil {
		return
	}
	for _, s := range sessions {
		if s.SID() != ac.SessionID || s.IdentityProvider == "" {
			continue
		}
		delete(m, "acr")
		if s.ACR != "" {
			m["acr"] = s.ACR
		}
		if len(s.AMR) > 0 {
			m["amr"] = s.AMR
		}
		return
	}
}
