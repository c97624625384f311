package badger

import (
	"context"
	"net/url"
	"strings"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

// fedLinkV1 is the stored form of authcore.FederatedLink under
// v1/fedlink/<issuer>/<subject>; v1/fedlink-by-user/<user>/<issuer>/<subject>
// indexes it by local user.
type fedLinkV1 struct {
	Issuer     string    `json:"iss"`
	Subject    string    `json:"sub"`
	UserID     string    `json:"user"`
	ProviderID string    `json:"idp,omitempty"`
	CreatedAt  time.Time `json:"created"`
}

func (r fedLinkV1) domain() authcore.FederatedLink { return authcore.FederatedLink(r) }

// GetFederatedLink returns the link of (issuer, subject), or
// authcore.ErrNotFound.
func (s *Store) GetFederatedLink(ctx context.Context, issuer, subject string) (authcore.FederatedLink, error) {
	var r fedLinkV1
	err := s.view(ctx, func(txn *bdg.Txn) error { return get(txn, key(kindFedLink, issuer, subject), &r) })
	return r.domain(), err
}

// CreateFederatedLink stores l, and creates newUser when it is not nil,
// in one transaction. An existing link, or a taken user ID or username,
// is authcore.ErrAlreadyExists and nothing is written; a link to a user
// that does not exist (when newUser is nil) is authcore.ErrNotFound.
func (s *Store) CreateFederatedLink(ctx context.Context, l authcore.FederatedLink, newUser *authcore.User) error {
	if l.Issuer == "" || l.Subject == "" || l.UserID == "" {
		return errEmptyID
	}
	if newUser != nil && (newUser.ID != l.UserID || newUser.Username == "") {
		return errEmptyUsername
	}
	lk := key(kindFedLink, l.Issuer, l.Subject)
	if newUser != nil {
		defer s.users.forget(newUser.ID) // a user record written (clientcache.go)
	}
	return s.update(ctx, func(txn *bdg.Txn) error {
		if ok, err := exists(txn, lk); err != nil || ok {
			return orExists(err)
		}
		uk := key(kindUser, l.UserID)
		if newUser == nil {
			if ok, err := exists(txn, uk); err != nil || !ok {
				if err != nil {
					return err
				}
				return authcore.ErrNotFound
			}
		} else {
			nk := key(kindUsername, newUser.Username)
			for _, k := range [][]byte{uk, nk} {
				if ok, err := exists(txn, k); err != nil || ok {
					return orExists(err)
				}
			}
			if err := txn.Set(nk, []byte(newUser.ID)); err != nil {
				return err
			}
			if err := put(txn, uk, userRecord(*newUser), time.Time{}); err != nil {
				return err
			}
		}
		if err := txn.Set(key(kindFedLinkByUser, l.UserID, l.Issuer, l.Subject), nil); err != nil {
			return err
		}
		return put(txn, lk, fedLinkV1(l), time.Time{})
	})
}

// ListFederatedLinks returns the links of user userID, ordered by issuer
// and subject.
func (s *Store) ListFederatedLinks(ctx context.Context, userID string) ([]authcore.FederatedLink, error) {
	var out []authcore.FederatedLink
	err := s.view(ctx, func(txn *bdg.Txn) error {
		for _, ik := range scanKeys(txn, prefix(kindFedLinkByUser, userID)) {
			iss, sub := linkParts(ik)
			var r fedLinkV1
			if err := get(txn, key(kindFedLink, iss, sub), &r); err != nil {
				continue // a link removed under its index
			}
			out = append(out, r.domain())
		}
		return nil
	})
	return out, err
}

// linkParts returns the unescaped issuer and subject of an index key
// v1/fedlink-by-user/<user>/<issuer>/<subject>.
func linkParts(k []byte) (string, string) {
	parts := strings.Split(string(k), "/")
	if len(parts) < 2 {
		return "", ""
	}
	iss, _ := url.PathUnescape(parts[len(parts)-2])
	sub, _ := url.PathUnescape(parts[len(parts)-1])
	return iss, sub
}
