package keys

import (
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// KeyInfo describes one signing key for the console and the CLI. It never
// holds key material.
type KeyInfo struct {
	// ID is the kid, the key's RFC 7638 thumbprint.
	ID        string
	Algorithm string
	State     authcore.KeyState
	CreatedAt time.Time
	// ActivatedAt is when the key started signing (zero for next keys).
	ActivatedAt time.Time
	// PromoteAt is, for a next key, when a scheduled rotation makes it
	// active; zero when none is scheduled.
	PromoteAt   time.Time
	RetiredAt   time.Time
	RemoveAfter time.Time
	RevokedAt   time.Time
	RevokedWhy  string
	// LiveTokens counts the tokens this process signed with the key whose
	// exp has not passed (to the minute; it restarts at zero).
	LiveTokens int
}

// Keys lists every key in the store as of the last change or Reload:
// active, next, retired, then revoked; newest first.
func (m *Manager) Keys() []KeyInfo {
	ks := m.set.Load()
	now := m.cfg.Now()
	out := make([]KeyInfo, 0, len(ks.recs))
	for _, r := range ks.recs {
		ki := KeyInfo{ID: r.ID, Algorithm: r.Algorithm, State: r.State, CreatedAt: r.CreatedAt,
			ActivatedAt: r.ActivatedAt, RetiredAt: r.RetiredAt, RemoveAfter: r.RemoveAfter,
			RevokedAt: r.RevokedAt, RevokedWhy: r.RevokedWhy}
		if r.State == authcore.KeyNext {
			ki.ActivatedAt, ki.PromoteAt = time.Time{}, r.ActivatedAt
		}
		if l := ks.live[r.ID]; l != nil {
			ki.LiveTokens = l.count(now)
		}
		out = append(out, ki)
	}
	return out
}
