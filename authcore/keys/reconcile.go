package keys

import (
	"slices"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// reconcile brings the keyset to its invariants at p.now:
//
//   - every algorithm in use has exactly one active key (a next key takes
//     over at once if there is none, e.g. after a revocation; a fresh
//     store gets an active key directly) and at least one next key;
//   - a scheduled promotion that is due happens, and an active key older
//     than RotationPeriod starts a staged rotation;
//   - keys of algorithms no longer in use retire;
//   - retired and revoked keys past RemoveAfter are marked for removal.
func (p *plan) reconcile() error {
	for _, alg := range p.cfg.Algorithms {
		if err := p.reconcileAlg(alg); err != nil {
			return err
		}
	}
	for _, k := range p.keys {
		switch {
		case (k.State == authcore.KeyActive || k.State == authcore.KeyNext) && !slices.Contains(p.cfg.Algorithms, k.Algorithm):
			p.retire(k)
			p.event(audit.KeyRotated, k.ID, "algorithm no longer in use", map[string]any{"algorithm": k.Algorithm, "stage": "retired"})
		case k.State == authcore.KeyRetired || k.State == authcore.KeyRevoked:
			if k.RemoveAfter.IsZero() {
				k.RemoveAfter = p.now.Add(p.window())
				p.changed[k.ID] = true
			} else if !p.now.Before(k.RemoveAfter) {
				p.remove = append(p.remove, k.ID)
			}
		}
	}
	return nil
}

func (p *plan) reconcileAlg(alg string) error {
	actives := p.with(alg, authcore.KeyActive)
	nexts := p.with(alg, authcore.KeyNext)
	switch {
	case len(actives) == 0 && len(nexts) > 0:
		if err := p.promote(nexts[0], "no active key"); err != nil {
			return err
		}
	case len(actives) == 0:
		if _, err := p.create(alg, authcore.KeyActive); err != nil {
			return err
		}
	default:
		for _, a := range actives[:len(actives)-1] { // two writers raced: keep the newest
			p.retire(a)
			p.event(audit.KeyRotated, a.ID, "more than one active key", map[string]any{"algorithm": alg, "stage": "retired"})
		}
		cur := actives[len(actives)-1]
		if len(nexts) > 0 && !nexts[0].ActivatedAt.IsZero() && !p.now.Before(p.due(nexts[0])) {
			if err := p.promote(nexts[0], "scheduled rotation"); err != nil {
				return err
			}
		} else if !p.now.Before(cur.ActivatedAt.Add(p.cfg.RotationPeriod)) {
			if err := p.rotate(alg, "rotation period elapsed"); err != nil {
				return err
			}
		}
	}
	if len(p.with(alg, authcore.KeyNext)) == 0 {
		_, err := p.create(alg, authcore.KeyNext)
		return err
	}
	return nil
}

// changes returns the records to write, in one PutSigningKeys call.
func (p *plan) changes() []authcore.SigningKey {
	var out []authcore.SigningKey
	for _, k := range p.keys {
		if p.changed[k.ID] {
			out = append(out, *k)
		}
	}
	return out
}

// kept returns every record except those marked for removal.
func (p *plan) kept() []authcore.SigningKey {
	out := make([]authcore.SigningKey, 0, len(p.keys))
	for _, k := range p.keys {
		if !slices.Contains(p.remove, k.ID) {
			out = append(out, *k)
		}
	}
	return out
}
