package server

import (
	"context"
	"net/http"

	"github.com/latchkey/latchkey/authcore/keys"
	"github.com/latchkey/latchkey/authcore/oidc"
)

// newOIDC builds the OpenID Connect provider: ID and logout tokens signed
// by the key manager, sessions from the login pages, and the OAuth
// metadata that its discovery document extends.
func newOIDC(cfg Config, s *Server, km *keys.Manager) (*oidc.Provider, error) {
	return oidc.New(oidc.Config{
		Issuer:   cfg.Issuer,
		Store:    s.Store,
		Signer:   km,
		Sessions: s.Login,
		Metadata: func(ctx context.Context) map[string]any {
			return s.OAuth.Metadata(ctx)
		},
		Algorithms: km.Algorithms,
		Audit:      cfg.Audit,
		Logger:     cfg.Logger,
		Now:        cfg.Now,

		BackchannelAllowPrivate: cfg.BackchannelAllowPrivate,
	})
}

// handleDiscovery serves the OpenID Provider metadata (OIDC Discovery 1.0
// §4), which extends the OAuth metadata (RFC 8414).
func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	s.OIDC.ServeDiscovery(w, r)
}
