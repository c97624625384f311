package keys

import (
	"slices"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// actorSystem is the actor of changes made by the lifecycle itself (New,
// Tick, the takeover after a revocation).
const actorSystem = "system"

// plan computes one lifecycle change over the stored records. It does no
// I/O: Manager.change writes what it touched in one PutSigningKeys call.
type plan struct {
	cfg     *Config
	now     time.Time
	actor   string
	keys    []*authcore.SigningKey
	changed map[string]bool
	remove  []string // retired or revoked keys past RemoveAfter
	events  []audit.Event
}

func newPlan(cfg *Config, recs []authcore.SigningKey, now time.Time, actor string) *plan {
	p := &plan{cfg: cfg, now: now, actor: actor, changed: map[string]bool{}}
	for i := range recs {
		r := recs[i]
		p.keys = append(p.keys, &r)
	}
	return p
}

// with returns the keys of alg in state st, oldest first (actives by
// activation, others by creation).
func (p *plan) with(alg string, st authcore.KeyState) []*authcore.SigningKey {
	var out []*authcore.SigningKey
	for _, k := range p.keys {
		if k.Algorithm == alg && k.State == st {
			out = append(out, k)
		}
	}
	slices.SortStableFunc(out, func(a, b *authcore.SigningKey) int {
		if st == authcore.KeyActive {
			return a.ActivatedAt.Compare(b.ActivatedAt)
		}
		return a.CreatedAt.Compare(b.CreatedAt)
	})
	return out
}

func (p *plan) find(kid string) *authcore.SigningKey {
	for _, k := range p.keys {
		if k.ID == kid {
			return k
		}
	}
	return nil
}

func (p *plan) event(t audit.Type, kid, reason string, details map[string]any) {
	p.events = append(p.events, audit.Event{Time: p.now, Type: t, Actor: p.actor, KeyID: kid,
		Reason: reason, Details: details})
}

// window is how long a retired or revoked record stays: every token
// signed before now has expired, and every cached JWKS has been refreshed.
func (p *plan) window() time.Duration { return p.cfg.MaxTokenLifetime + p.cfg.JWKSMaxAge }

// create generates a key of alg in state st (next or active).
func (p *plan) create(alg string, st authcore.KeyState) (*authcore.SigningKey, error) {
	rec, err := generate(alg, p.cfg.RSABits, p.cfg.Rand, p.now)
	if err != nil {
		return nil, err
	}
	rec.State = st
	if st == authcore.KeyActive {
		rec.ActivatedAt = p.now
	}
	p.keys = append(p.keys, &rec)
	p.changed[rec.ID] = true
	p.event(audit.KeyCreated, rec.ID, "", map[string]any{"algorithm": alg, "state": string(st)})
	return &rec, nil
}

// retire stops k signing; it stays published for window().
func (p *plan) retire(k *authcore.SigningKey) {
	k.State, k.RetiredAt, k.RemoveAfter = authcore.KeyRetired, p.now, p.now.Add(p.window())
	p.changed[k.ID] = true
}

// promote makes next n the active key of its algorithm now, retiring the
// active ones, and makes sure a new next key is published.
func (p *plan) promote(n *authcore.SigningKey, why string) error {
	var retired []string
	for _, a := range p.with(n.Algorithm, authcore.KeyActive) {
		p.retire(a)
		retired = append(retired, a.ID)
	}
	early := p.now.Before(n.CreatedAt.Add(p.cfg.JWKSMaxAge)) // only when no key signs otherwise
	n.State, n.ActivatedAt = authcore.KeyActive, p.now
	p.changed[n.ID] = true
	p.event(audit.KeyRotated, n.ID, why, map[string]any{"algorithm": n.Algorithm, "stage": "promoted",
		"retired": retired, "published_since": n.CreatedAt, "early": early})
	if len(p.with(n.Algorithm, authcore.KeyNext)) == 0 {
		_, err := p.create(n.Algorithm, authcore.KeyNext)
		return err
	}
	return nil
}

// due is when next key n may sign: once published for JWKSMaxAge, and
// never before a time a rotation scheduled.
func (p *plan) due(n *authcore.SigningKey) time.Time {
	d := n.CreatedAt.Add(p.cfg.JWKSMaxAge)
	if n.ActivatedAt.After(d) {
		return n.ActivatedAt
	}
	return d
}

// rotate is the staged rotation of alg: the oldest next key is promoted
// if relying parties have had JWKSMaxAge to fetch it, else its promotion
// is scheduled (ActivatedAt of a next key is that schedule).
func (p *plan) rotate(alg, why string) error {
	nexts := p.with(alg, authcore.KeyNext)
	if len(nexts) == 0 {
		n, err := p.create(alg, authcore.KeyNext)
		if err != nil {
			return err
		}
		nexts = append(nexts, n)
	}
	n := nexts[0]
	due := p.due(n)
	if !p.now.Before(due) {
		return p.promote(n, why)
	}
	if n.ActivatedAt.IsZero() {
		n.ActivatedAt = due
		p.changed[n.ID] = true
		p.event(audit.KeyRotated, n.ID, why, map[string]any{"algorithm": alg, "stage": "scheduled", "promote_at": due})
	}
	return nil
}

// revoke withdraws kid at once and wipes its private key. The takeover
// of an active key happens in reconcile; a scheduled rotation moves to a
// fresh next key.
func (p *plan) revoke(kid, reason string) error {
	k := p.find(kid)
	if k == nil {
		return ErrNoKey
	}
	if k.State == authcore.KeyRevoked {
		return nil
	}
	scheduled := k.State == authcore.KeyNext && !k.ActivatedAt.IsZero()
	prev := k.State
	k.State, k.RevokedAt, k.RevokedWhy = authcore.KeyRevoked, p.now, reason
	k.PrivateDER, k.RemoveAfter = nil, p.now.Add(p.window())
	p.changed[k.ID] = true
	p.event(audit.KeyRevoked, k.ID, reason, map[string]any{"algorithm": k.Algorithm, "previous_state": string(prev)})
	if scheduled && len(p.with(k.Algorithm, authcore.KeyNext)) == 0 {
		n, err := p.create(k.Algorithm, authcore.KeyNext)
		if err != nil {
			return err
		}
		n.ActivatedAt = p.due(n)
	}
	return nil
}
