package authcore

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Subject types of OIDC Core §8 (subject_type client metadata, OIDC
// Registration §2).
const (
	SubjectPublic   = "public"
	SubjectPairwise = "pairwise"
)

// PairwiseSaltSetting names the installation's pairwise-subject salt in
// Settings. The "secret." prefix makes the PostgreSQL store keep it
// encrypted; Badger encrypts the whole store when it is given a key.
const PairwiseSaltSetting = "secret.pairwise_salt"

// OnceSettings creates a setting only once (first writer wins, on every
// node of a cluster), for values every node must agree on from their
// first use, such as the pairwise-subject salt.
type OnceSettings interface {
	// CreateSetting stores value under name unless the name already
	// holds a value, and returns the stored value either way.
	CreateSetting(ctx context.Context, name string, value []byte) ([]byte, error)
}

// Pairwise reports whether the client's users get pairwise subject
// identifiers (OIDC Core §8.1).
func (c Client) Pairwise() bool { return c.SubjectType == SubjectPairwise }

// Sector is the sector identifier of a pairwise client (OIDC Core §8.1):
// the host of its sector_identifier_uri, else the host of its redirect
// URI (registration checks that all of them share that host). It is ""
// for a client without either.
func (c Client) Sector() string {
	raw := c.SectorIdentifierURI
	if raw == "" && len(c.RedirectURIs) > 0 {
		raw = c.RedirectURIs[0]
	}
	return HostOf(raw)
}

// HostOf is the lower-cased host (without port) of an absolute URL, or "".
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// Subjects computes the sub a client sees for a local user: the user id
// for public clients, base64url(HMAC-SHA-256(salt, sector, user id)) for
// pairwise ones (OIDC Core §8.1): stable, different per sector, and not
// reversible without the installation's salt.
type Subjects struct{ salt []byte }

// NewSubjects returns Subjects over the installation's salt.
func NewSubjects(salt []byte) Subjects { return Subjects{salt: salt} }

// LoadSubjects reads the installation's pairwise salt, creating it (32
// random bytes from rand) on first use; every node reads the same one.
func LoadSubjects(ctx context.Context, st OnceSettings, rand io.Reader) (Subjects, error) {
	fresh := make([]byte, 32)
	if _, err := io.ReadFull(rand, fresh); err != nil {
		return Subjects{}, fmt.Errorf("authcore: pairwise salt: %w", err)
	}
	salt, err := st.CreateSetting(ctx, PairwiseSaltSetting, fresh)
	if err != nil {
		return Subjects{}, fmt.Errorf("authcore: pairwise salt: %w", err)
	}
	if len(salt) < 32 {
		return Subjects{}, errors.New("authcore: the stored pairwise salt is shorter than 32 bytes")
	}
	return Subjects{salt: salt}, nil
}

// For is the sub client c sees for the local user userID.
func (s Subjects) For(c Client, userID string) string {
	if !c.Pairwise() || userID == "" {
		return userID
	}
	return s.Pairwise(c.Sector(), userID)
}

// Pairwise is the pairwise sub of userID in sector. The sector is
// length-prefixed so that no (sector, user) pair collides with another.
func (s Subjects) Pairwise(sector, userID string) string {
	m := hmac.New(sha256.New, s.salt)
	fmt.Fprintf(m, "%d:%s", len(sector), sector)
	m.Write([]byte(userID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// SubjectStore is what Local reads: grants and users.
type SubjectStore interface {
	GetGrant(ctx context.Context, id string) (Grant, error)
	ListUsers(ctx context.Context) ([]User, error)
}

// Local returns the local user id behind sub, the subject client c saw
// (in a token issued to c under grant grantID, "" when none): sub itself
// for a public client; for a pairwise client the grant's user when the
// grant is c's and maps to sub. A token that names a grant is answered
// by that grant alone: when the grant is gone or is another's, the sub
// names nobody. Only a token issued without a grant (token exchange)
// makes Local look for the user whose pairwise sub in c's sector is sub,
// over every user. ErrNotFound when no user matches, so a pairwise sub
// of another sector never names a local user.
func (s Subjects) Local(ctx context.Context, st SubjectStore, c Client, sub, grantID string) (string, error) {
	if !c.Pairwise() {
		return sub, nil
	}
	if grantID != "" {
		g, err := st.GetGrant(ctx, grantID)
		switch {
		case err == nil && g.ClientID == c.ID && s.For(c, g.UserID) == sub:
			return g.UserID, nil
		case err != nil && !errors.Is(err, ErrNotFound):
			return "", err
		}
		// A grant that ended (expired, collected) or that is not c's
		// and sub's: no scan. An unauthenticated id_token_hint whose
		// grant is gone would otherwise cost a pass over every user.
		return "", ErrNotFound
	}
	users, err := st.ListUsers(ctx)
	if err != nil {
		return "", err
	}
	sector := c.Sector()
	for _, u := range users {
		if hmac.Equal([]byte(s.Pairwise(sector, u.ID)), []byte(sub)) {
			return u.ID, nil
		}
	}
	return "", ErrNotFound
}
