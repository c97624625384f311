package keys

import (
	"context"
	"time"
)

// DefaultFollowInterval is how often Follow reads the keyset version: a
// key revoked on another node stops verifying here within about this
// long (plus one query).
const DefaultFollowInterval = 500 * time.Millisecond

// Follow reads the store's keyset version every interval (default
// DefaultFollowInterval) until ctx ends, and reloads the keys when
// another writer changed them: another node's rotation, promotion or
// revocation, or the admin CLI. One small read per round keeps every node
// of a cluster signing with the same active key and serving the same
// JWKS. A failing store is logged once, until it answers again.
func (m *Manager) Follow(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultFollowInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := m.follow(ctx)
		switch {
		case err != nil && !failing && ctx.Err() == nil:
			m.cfg.Logger.Warn().Err(err).Msg("keys: cannot read the keyset version; keeping the keys loaded")
		case err == nil && failing:
			m.cfg.Logger.Info().Msg("keys: keyset version readable again")
		}
		failing = err != nil
	}
}

// follow reloads when the store's keyset version is not the snapshot's.
func (m *Manager) follow(ctx context.Context) error {
	v, err := m.cfg.Store.SigningKeysVersion(ctx)
	if err != nil {
		return err
	}
	if v == m.set.Load().version {
		return nil
	}
	return m.Reload(ctx)
}

// Loaded reports whether the manager holds an active key for every
// algorithm it signs with (New guarantees it; a readiness check asks).
func (m *Manager) Loaded() bool {
	ks := m.set.Load()
	if ks == nil {
		return false
	}
	for _, alg := range m.cfg.Algorithms {
		if ks.signer[alg] == nil {
			return false
		}
	}
	return true
}
