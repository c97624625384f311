package server

import (
	"github.com/latchkey/latchkey/authcore/federation"
	"github.com/latchkey/latchkey/authcore/login"
)

// newFederation builds the federation service (trusted external OpenID
// providers) and plugs it into the token endpoint (token exchange of
// external ID tokens, the JWT bearer grant) and the login page
// ("Continue with <provider>", brokered login through the login
// sessions). It runs after s.Login and s.OAuth exist.
func (s *Server) newFederation(cfg Config) error {
	f, err := federation.New(federation.Config{
		Issuer:        cfg.Issuer,
		Store:         s.Store,
		Sessions:      s.Login,
		ValidReturnTo: login.ValidReturnTo,
		SecureCookies: cfg.SecureCookies,
		Audit:         cfg.Audit,
		Logger:        cfg.Logger,
		Now:           cfg.Now,
	})
	if err != nil {
		return err
	}
	s.Federation = f
	s.OAuth.SetFederation(f)
	s.Login.SetBroker(f, federation.StartURL)
	return nil
}
