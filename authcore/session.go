package authcore

import (
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Session is a browser session: a user signed in on one browser. It is
// stored under the hash of the cookie value, never the value itself.
type Session struct {
	ID        string // hex SHA-256 of the cookie value
	UserID    string
	AuthTime  time.Time
	ExpiresAt time.Time
	CreatedAt time.Time
	RemoteIP  string
	UserAgent string
	// IdentityProvider, ACR and AMR are set when the user signed in at
	// an external provider (brokered login): its ID and the acr and amr
	// of its ID token (OIDC Core §2), carried into Latchkey's ID tokens.
	IdentityProvider string
	ACR              string
	AMR              []string
	// LastSeenAt and LastSeenIP are the session's last recorded use
	// (sessiontouch.go); zero until it is first touched.
	LastSeenAt time.Time
	LastSeenIP string
}

// SID returns the session's public identifier: the sid claim of ID and
// logout tokens (OIDC Back-Channel Logout 1.0 §2.1) and the name the
// console shows. It is a one-way hash of ID under its own label, so it
// reveals neither the cookie nor the stored ID, and it is stable for the
// session's life. An empty ID has an empty SID.
func (s Session) SID() string {
	if s.ID == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("latchkey sid\x00" + s.ID))
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}
