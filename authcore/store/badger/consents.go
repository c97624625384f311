package badger

import (
	"context"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// consentV1 is the stored form of authcore.Consent under
// v1/consent/<user>/<client>.
type consentV1 struct {
	UserID    string    `json:"user"`
	ClientID  string    `json:"client"`
	Scopes    []string  `json:"scopes,omitempty"`
	CreatedAt time.Time `json:"created"`
}

func (r consentV1) domain() authcore.Consent { return authcore.Consent(r) }

// GetConsent returns what userID consented to for clientID, or
// authcore.ErrNotFound.
func (s *Store) GetConsent(ctx context.Context, userID, clientID string) (authcore.Consent, error) {
	var r consentV1
	err := s.view(ctx, func(txn *bdg.Txn) error { return get(txn, key(kindConsent, userID, clientID), &r) })
	return r.domain(), err
}

// SaveConsent stores c, replacing any earlier consent of the same user to
// the same client.
func (s *Store) SaveConsent(ctx context.Context, c authcore.Consent) error {
	if c.UserID == "" || c.ClientID == "" {
		return errEmptyID
	}
	return s.update(ctx, func(txn *bdg.Txn) error {
		return put(txn, key(kindConsent, c.UserID, c.ClientID), consentV1(c), time.Time{})
	})
}

// DeleteConsent removes a consent, or returns authcore.ErrNotFound.
func (s *Store) DeleteConsent(ctx context.Context, userID, clientID string) error {
	return s.update(ctx, func(txn *bdg.Txn) error { return del(txn, key(kindConsent, userID, clientID)) })
}

// ListConsents returns every consent of userID, ordered by client ID.
func (s *Store) ListConsents(ctx context.Context, userID string) ([]authcore.Consent, error) {
	return list(ctx, s, prefix(kindConsent, userID), func(r consentV1) (authcore.Consent, bool) { return r.domain(), true })
}
