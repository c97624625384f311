package server

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore/login"
)

// policyState is the Server's half of the policy: the defaults from the
// start flags, the saved document, and a lock that serialises updates
// (the services read what is in force without it).
type policyState struct {
	mu        sync.Mutex
	defaults  Policy
	fromFlag  map[string]bool
	doc       policyDoc
	effective Policy
	retention retainer // the audit log, when it keeps events
}

// retainer is an audit log whose retention can change (audit.Log).
type retainer interface {
	Retention() time.Duration
	SetRetention(time.Duration)
}

var _ retainer = (*audit.Log)(nil)

// initPolicy works out the defaults (built in, overridden by the start
// flags in cfg.Policy, which the bounds of saved values do not bind),
// reads the saved document and puts the result in
// force. A saved document that no longer validates is logged and
// ignored: the defaults, which are safe, apply instead.
func (s *Server) initPolicy(ctx context.Context, cfg Config, rt retainer) error {
	ps := &s.policy
	ps.retention = rt
	ps.defaults, ps.fromFlag = builtinPolicy(), map[string]bool{}
	flags := cfg.Policy
	for _, f := range policyFields {
		ps.fromFlag[f.key] = f.seed(&ps.defaults, &flags)
	}
	if !ps.fromFlag[adminMFAKey] {
		ps.defaults.AdminMFA = defaultAdminMFA(cfg.Issuer) // mfa.go
	}
	if _, err := ps.defaults.oauthPolicy(); err != nil {
		return fmt.Errorf("server: Policy: %w", err)
	}
	doc, err := loadPolicyDoc(ctx, s.Store)
	if err != nil {
		s.log.Error().Err(err).Msg("server: ignoring the saved settings; the defaults apply")
	}
	eff, perr := merge(ps.defaults, doc.Values)
	if perr != nil {
		s.log.Error().Err(perr).Msg("server: ignoring the saved settings; the defaults apply")
		doc, eff = policyDoc{Version: 1, Values: map[string]string{}}, ps.defaults
	}
	ps.doc = doc
	return s.apply(eff)
}

// merge overlays saved values on defaults and validates the result.
func merge(defaults Policy, values map[string]string) (Policy, *PolicyError) {
	p := defaults
	problems := map[string]string{}
	for k, v := range values {
		f := fieldByKey(k)
		if f == nil {
			problems[k] = "is not a setting"
			continue
		}
		if err := f.set(&p, v); err != nil {
			problems[k] = err.Error()
		}
	}
	if len(problems) == 0 && p.RefreshTokenTTL < p.AccessTokenTTL {
		problems["refresh_token_ttl"] = "must be at least the access-token lifetime (" + FormatPolicyDuration(p.AccessTokenTTL) + ")"
	}
	if len(problems) > 0 {
		return p, &PolicyError{Problems: problems}
	}
	return p, nil
}

// apply puts p in force in every service.
func (s *Server) apply(p Policy) error {
	op, err := p.oauthPolicy()
	if err != nil {
		return err
	}
	if err := s.OAuth.SetPolicy(op); err != nil {
		return err
	}
	if err := s.Login.SetLockout(p.lockout()); err != nil {
		return err
	}
	s.Login.SetMFAPolicy(login.MFAPolicy{AdminsMustUseMFA: p.AdminMFA == "on"})
	if s.policy.retention != nil && s.policy.retention.Retention() != p.AuditRetention {
		s.policy.retention.SetRetention(p.AuditRetention)
	}
	s.policy.effective = p
	return nil
}

// Policy returns the policy in force, value by value, with its defaults
// and what is saved.
func (s *Server) Policy() PolicyState {
	ps := &s.policy
	ps.mu.Lock()
	defer ps.mu.Unlock()
	st := PolicyState{Policy: ps.effective, UpdatedAt: ps.doc.UpdatedAt, UpdatedBy: ps.doc.UpdatedBy, Revision: ps.doc.Revision}
	for _, f := range policyFields {
		_, saved := ps.doc.Values[f.key]
		st.Values = append(st.Values, PolicyValue{Key: f.key, Label: f.label, Kind: f.kind,
			Value: f.get(&ps.effective), Default: f.get(&ps.defaults), Flag: f.flag,
			FromFlag: ps.fromFlag[f.key], Saved: saved, Min: f.min, Max: f.max})
	}
	return st
}

// CheckPolicy validates changes (values by key, in display form) against
// the policy in force without saving them; nil means they would be
// accepted.
func (s *Server) CheckPolicy(changes map[string]string) *PolicyError {
	ps := &s.policy
	ps.mu.Lock()
	defer ps.mu.Unlock()
	_, _, err := ps.next(changes)
	return err
}

// next is the saved document and policy that changes would produce.
func (ps *policyState) next(changes map[string]string) (map[string]string, Policy, *PolicyError) {
	values := maps.Clone(ps.doc.Values)
	for k, v := range changes {
		if f := fieldByKey(k); f != nil {
			def, probe := f.get(&ps.defaults), ps.defaults
			if v == def || (f.set(&probe, v) == nil && f.get(&probe) == def) {
				delete(values, k) // back to the default: the start flag governs it again
				continue
			}
		}
		values[k] = v
	}
	p, err := merge(ps.defaults, values)
	if err != nil {
		_, sentAccess := changes["access_token_ttl"]
		_, sentRefresh := changes["refresh_token_ttl"]
		if _, ok := err.Problems["refresh_token_ttl"]; ok && sentAccess && !sentRefresh && len(err.Problems) == 1 {
			delete(err.Problems, "refresh_token_ttl")
			err.Problems["access_token_ttl"] = "must not be longer than the refresh-token lifetime (" + FormatPolicyDuration(p.RefreshTokenTTL) + ")"
		}
		// Report only what the caller sent, or the cross-field rule.
		for k := range err.Problems {
			if _, sent := changes[k]; !sent && k != "refresh_token_ttl" && k != "access_token_ttl" {
				delete(err.Problems, k)
			}
		}
		if len(err.Problems) == 0 {
			err.Problems["policy"] = "the saved settings no longer validate; reset them"
		}
		return nil, p, err
	}
	// Keep saved values in their normalised form.
	for k := range values {
		values[k] = fieldByKey(k).get(&p)
	}
	return values, p, nil
}
