package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// handleConsent is POST /consent: Allow saves the consent and answers 303
// back to the return address; Deny hands over to Config.OnDeny.
func (m *Manager) handleConsent(w http.ResponseWriter, r *http.Request) {
	returnTo, ok := m.readForm(w, r)
	if !ok {
		return
	}
	if returnTo == "" {
		m.badReturn(w, r, returnTo)
		return
	}
	s, _, signedIn := m.current(r)
	if !signedIn {
		redirect(w, loginURL(returnTo))
		return
	}
	decision, _ := singleValue(r.PostForm, "decision")
	if decision != "allow" && decision != "deny" {
		m.message(w, http.StatusBadRequest, "Bad request", "Choose Allow or Deny.")
		return
	}
	cr, ok := m.consentOrFail(w, r, returnTo)
	if !ok {
		return
	}
	ctx := requestContext(r)
	names := make([]string, len(cr.scopes))
	for i, sc := range cr.scopes {
		names[i] = sc.Name
	}
	e := audit.Event{Actor: s.UserID, Subject: s.UserID, ClientID: cr.client.ID,
		Details: map[string]any{"scope": strings.Join(names, " ")}}
	if decision == "deny" {
		e.Type, e.Outcome = audit.ConsentDenied, audit.Failure
		m.record(ctx, e)
		if m.cfg.OnDeny != nil {
			m.cfg.OnDeny(w, r, returnTo)
			return
		}
		m.message(w, http.StatusForbidden, "Access denied", "You denied "+cr.client.Name+" access.")
		return
	}
	if err := m.grant(ctx, s.UserID, cr.client.ID, names); err != nil {
		m.unavailable(w, r, err)
		return
	}
	e.Type, e.Outcome = audit.ConsentGranted, audit.Success
	m.record(ctx, e)
	if m.cfg.OnAllow != nil {
		m.cfg.OnAllow(w, r, returnTo)
		return
	}
	redirect(w, returnTo)
}

// grant adds scopes to what userID already allowed clientID, keeping the
// first consent's time. Two concurrent grants for the same user and
// client may lose one's additions (the store has no update closure for
// consents); the next authorization then simply asks again.
func (m *Manager) grant(ctx context.Context, userID, clientID string, scopes []string) error {
	c, err := m.store.GetConsent(ctx, userID, clientID)
	if err != nil && !errors.Is(err, authcore.ErrNotFound) {
		return fmt.Errorf("login: read consent: %w", err)
	}
	merged := slices.Clone(c.Scopes)
	for _, s := range scopes {
		if !slices.Contains(merged, s) {
			merged = append(merged, s)
		}
	}
	created := c.CreatedAt
	if created.IsZero() {
		created = m.now()
	}
	err = m.store.SaveConsent(ctx, authcore.Consent{UserID: userID, ClientID: clientID,
		Scopes: merged, CreatedAt: created})
	if err != nil {
		return fmt.Errorf("login: save consent: %w", err)
	}
	return nil
}

// RevokeConsent forgets what userID allowed clientID, so the next
// authorization asks again. Tokens already issued are not revoked here.
// An unknown consent gives an error wrapping authcore.ErrNotFound.
func (m *Manager) RevokeConsent(ctx context.Context, userID, clientID string) error {
	if err := m.store.DeleteConsent(ctx, userID, clientID); err != nil {
		return fmt.Errorf("login: revoke consent: %w", err)
	}
	m.record(ctx, audit.Event{Type: audit.UserUpdated, Outcome: audit.Success, Subject: userID,
		ClientID: clientID, Details: map[string]any{"change": "consent_revoked"}})
	return nil
}
