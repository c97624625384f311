package keys

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// Rotate stages a rotation of alg ("" is the default algorithm): the next
// key becomes active now if it has been published for at least JWKSMaxAge,
// otherwise its promotion is scheduled and Tick performs it when due. The
// old active key retires (published until MaxTokenLifetime + JWKSMaxAge
// from now) and a new next key is published. Calling Rotate while a
// rotation is scheduled changes nothing.
func (m *Manager) Rotate(ctx context.Context, alg, actor string) error {
	if alg == "" {
		alg = m.cfg.Algorithms[0]
	}
	if !slices.Contains(m.cfg.Algorithms, alg) {
		return fmt.Errorf("keys: rotate %s: %w", alg, ErrAlgorithmNotInUse)
	}
	// The active key when the rotation was asked for: if a retry after a
	// lost swap finds another one, another node rotated at the same
	// moment, and one rotation is what both asked for.
	asked := ""
	return m.change(ctx, actor, func(p *plan) error {
		cur := ""
		if a := p.with(alg, authcore.KeyActive); len(a) > 0 {
			cur = a[len(a)-1].ID
		}
		if asked == "" {
			asked = cur
		} else if cur != asked {
			return nil
		}
		return p.rotate(alg, "manual rotation")
	})
}

// Revoke withdraws a compromised key at once (RFC 7517 §5 publishes only
// keys to trust): it leaves the JWKS, Verify fails for every token it
// signed, and its private key is wiped from the store. If it was active,
// a next key takes over immediately, even one published for less than
// JWKSMaxAge, so signing never stops. reason is required; actor and
// reason go to the audit log. Revoking a revoked key does nothing.
//
// Relying parties that cached the JWKS keep the key until their cache
// expires; the embedded gateway and introspection follow at once.
func (m *Manager) Revoke(ctx context.Context, kid, actor, reason string) error {
	if reason == "" {
		return ErrNoReason
	}
	return m.change(ctx, actor, func(p *plan) error {
		if err := p.revoke(kid, reason); err != nil {
			return fmt.Errorf("%w %q", err, kid)
		}
		return nil
	})
}

// Tick advances the lifecycle at Now(), reading the store first: due
// scheduled promotions, a staged rotation of keys older than
// RotationPeriod, and removal of retired and revoked keys past
// RemoveAfter. It also picks up changes made by other processes.
func (m *Manager) Tick(ctx context.Context) error {
	return m.change(ctx, actorSystem, nil)
}

// maxSwaps bounds how often change redoes a lifecycle change because
// another writer (another node) changed the keyset first.
const maxSwaps = 10

// change runs one lifecycle change under the writer lock, redoing it on
// what it finds when another node's change won the compare-and-swap.
func (m *Manager) change(ctx context.Context, actor string, f func(*plan) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for attempt := 1; ; attempt++ {
		err := m.changeOnce(ctx, actor, f)
		if !errors.Is(err, authcore.ErrConflict) || attempt == maxSwaps {
			return err
		}
	}
}

// changeOnce reads the store's version and keys, applies f and
// reconciles, checks the result parses, writes every touched record and
// deletes expired keys in one SwapSigningKeys from the version read, and
// only then publishes the new snapshot and records the audit events. A
// lost swap is authcore.ErrConflict, and nothing was written or recorded.
func (m *Manager) changeOnce(ctx context.Context, actor string, f func(*plan) error) error {
	ver, recs, err := m.load(ctx)
	if err != nil {
		return fmt.Errorf("keys: load keys: %w", err)
	}
	p := newPlan(&m.cfg, recs, m.cfg.Now(), actor)
	if f != nil {
		if err := f(p); err != nil {
			return err
		}
	}
	p.actor = actorSystem
	if err := p.reconcile(); err != nil {
		return err
	}
	ks, err := m.build(p.kept())
	if err != nil {
		return err
	}
	if ch := p.changes(); len(ch) > 0 || len(p.remove) > 0 {
		ver, err = m.cfg.Store.SwapSigningKeys(ctx, ver, ch, p.remove)
		if errors.Is(err, authcore.ErrConflict) {
			return err
		}
		if err != nil {
			return fmt.Errorf("keys: save keys: %w", err)
		}
		for _, kid := range p.remove {
			p.event(audit.KeyRemoved, kid, "past remove-after", nil)
		}
	}
	ks.version = ver
	m.set.Store(ks)
	for _, e := range p.events {
		m.cfg.record(ctx, e)
		ev := m.cfg.Logger.Info()
		if early, _ := e.Details["early"].(bool); early {
			ev = m.cfg.Logger.Warn().Str("warning", "relying parties may not have this key yet")
		}
		ev.Str("event", string(e.Type)).Str("kid", e.KeyID).Str("actor", e.Actor).Str("reason", e.Reason).
			Interface("details", e.Details).Msg("keys: lifecycle")
	}
	return nil
}
