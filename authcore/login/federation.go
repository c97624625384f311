package login

import (
	"context"
	"net/http"

	"github.com/latchkey/latchkey/authcore"
)

// Broker lists the external providers the login page offers as
// "Continue with <provider>" (federation.Service satisfies it).
type Broker interface {
	// EnabledProviders returns the providers brokered login can use.
	EnabledProviders(ctx context.Context) []authcore.IdentityProvider
}

// providerButton is one "Continue with" link of the login page.
type providerButton struct{ Name, URL string }

// SetBroker makes the login page offer brokered login; startURL builds a
// button's link from the provider id and the return address
// (federation.StartURL). Call it once, before serving.
func (m *Manager) SetBroker(b Broker, startURL func(providerID, returnTo string) string) {
	m.broker, m.brokerURL = b, startURL
}

// providerButtons returns the login page's "Continue with" links.
func (m *Manager) providerButtons(ctx context.Context, returnTo string) []providerButton {
	if m.broker == nil {
		return nil
	}
	var out []providerButton
	for _, p := range m.broker.EnabledProviders(ctx) {
		out = append(out, providerButton{Name: p.DisplayName, URL: m.brokerURL(p.ID, returnTo)})
	}
	return out
}

// ValidReturnTo reports whether s is an acceptable return address: a
// relative "/authorize?..." and nothing else (see validReturnTo).
func ValidReturnTo(s string) bool { return validReturnTo(s) }

// StartFederatedSession signs u in on this browser after a brokered login
// at provider providerID, with the provider's acr and amr kept on the
// session (OIDC Core §2), and renews the CSRF cookie, as a password
// login does.
func (m *Manager) StartFederatedSession(w http.ResponseWriter, r *http.Request, u authcore.User, providerID, acr string, amr []string) error {
	if u.Disabled {
		return ErrDisabled
	}
	if _, err := m.startSession(w, r, u, func(s *authcore.Session) {
		s.IdentityProvider, s.ACR, s.AMR = providerID, acr, amr
	}); err != nil {
		return err
	}
	if _, err := m.newCSRF(w); err != nil {
		return err
	}
	return nil
}
