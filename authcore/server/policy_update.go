package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/latchkey/latchkey/authcore"
)

// ErrPolicyChanged is returned by UpdatePolicyAt when the settings were
// saved (on this node or another) since the revision the change was made
// from: nothing is changed; the caller reloads and decides again.
var ErrPolicyChanged = fmt.Errorf("server: the settings were changed elsewhere since they were read: %w", authcore.ErrConflict)

// policySwapAttempts bounds how often UpdatePolicy redoes a change that
// lost the race with another save.
const policySwapAttempts = 5

// UpdatePolicy validates changes, saves them and puts them in force
// for the next request, with no restart. who is recorded as the one who
// saved. It returns the new state and what changed; a *PolicyError when
// a value is refused (nothing is then changed). A save that another node
// made at the same instant is kept: the changes are applied on top of it.
func (s *Server) UpdatePolicy(ctx context.Context, changes map[string]string, who string) (PolicyState, []PolicyChange, error) {
	return s.updatePolicy(ctx, -1, changes, who)
}

// UpdatePolicyAt is UpdatePolicy for changes made from the settings of
// PolicyState.Revision revision (the Settings screen): when they were
// saved since, on any node, it changes nothing and returns
// ErrPolicyChanged, so one administrator's save never silently undoes
// another's.
func (s *Server) UpdatePolicyAt(ctx context.Context, revision int64, changes map[string]string, who string) (PolicyState, []PolicyChange, error) {
	if revision < 0 {
		return PolicyState{}, nil, ErrPolicyChanged
	}
	return s.updatePolicy(ctx, revision, changes, who)
}

// updatePolicy saves changes by swapping the saved document it read for
// the next revision (authcore.SettingSwapper): of two saves from the same
// document, on two nodes, one fails the swap. expect < 0 then redoes the
// change on the newer document; otherwise it must be the revision read.
func (s *Server) updatePolicy(ctx context.Context, expect int64, changes map[string]string, who string) (PolicyState, []PolicyChange, error) {
	ps := &s.policy
	ps.mu.Lock()
	for attempt := 1; ; attempt++ {
		raw, err := policyRaw(ctx, s.Store)
		if err != nil {
			ps.mu.Unlock()
			return PolicyState{}, nil, err
		}
		if err := s.reloadPolicyFrom(raw); err != nil { // another node's change, cluster.go
			s.log.Warn().Err(err).Msg("server: the saved settings cannot be read; changing the ones in force here")
		}
		if expect >= 0 && ps.doc.Revision != expect {
			ps.mu.Unlock()
			return PolicyState{}, nil, ErrPolicyChanged
		}
		values, p, perr := ps.next(changes)
		if perr != nil {
			ps.mu.Unlock()
			return PolicyState{}, nil, perr
		}
		var diff []PolicyChange
		for _, f := range policyFields {
			if from, to := f.get(&ps.effective), f.get(&p); from != to {
				diff = append(diff, PolicyChange{Key: f.key, Label: f.label, From: from, To: to})
			}
		}
		doc := policyDoc{Version: 1, Revision: ps.doc.Revision + 1, Values: values, UpdatedAt: s.now().UTC(), UpdatedBy: who}
		next, err := json.Marshal(doc)
		if err == nil {
			err = s.Store.SwapSetting(ctx, PolicySetting, raw, next)
		}
		if errors.Is(err, authcore.ErrConflict) {
			if expect < 0 && attempt < policySwapAttempts {
				continue // saved meanwhile: apply the changes to that
			}
			err = ErrPolicyChanged
		}
		if err == nil {
			ps.doc = doc
			err = s.apply(p)
		}
		ps.mu.Unlock()
		if err != nil {
			return PolicyState{}, nil, err
		}
		return s.Policy(), diff, nil
	}
}
