package login

import (
	"context"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// Reasons recorded on mfa.failed events.
const (
	reasonBadFactor = "bad_second_factor"
	reasonNoFactor  = "no_such_factor"
)

// secondFactorFailed counts a wrong second factor toward the account
// lockout, as a wrong password counts (someone who holds the password
// must not get unlimited guesses at the code), and audits it as
// mfa.failed, and account.locked when this failure locked the account.
func (m *Manager) secondFactorFailed(ctx context.Context, u authcore.User, kind authcore.FactorKind, reason string) error {
	now := m.now()
	policy := m.lockout.Load()
	var locked bool
	var until time.Time
	err := m.store.UpdateUser(ctx, u.ID, func(cur authcore.User) (authcore.User, error) {
		locked, until = false, time.Time{}
		if cur.Locked(now) {
			return cur, nil
		}
		locked = countFailure(&cur, now, policy)
		until = cur.LockedUntil
		return cur, nil
	})
	if err != nil {
		return fmt.Errorf("login: record second-factor failure: %w", err)
	}
	m.record(ctx, audit.Event{Type: audit.MFAFailed, Outcome: audit.Failure, Subject: u.ID, Actor: u.ID,
		Reason: reason, Details: map[string]any{"kind": string(kind)}})
	if locked {
		m.record(ctx, audit.Event{Type: audit.AccountLocked, Outcome: audit.Failure, Subject: u.ID,
			Reason:  "too many failed second factors",
			Details: map[string]any{"until": until, "failures": policy.Threshold}})
	}
	return nil
}

// secondFactorSucceeded clears the user's failure history (the sign-in
// is complete) and audits mfa.succeeded.
func (m *Manager) secondFactorSucceeded(ctx context.Context, u authcore.User, f authcore.Factor) error {
	now := m.now()
	err := m.store.UpdateUser(ctx, u.ID, func(cur authcore.User) (authcore.User, error) {
		if !cur.Locked(now) {
			cur.FailedLogins, cur.LockedUntil = nil, time.Time{}
		}
		return cur, nil
	})
	if err != nil {
		return fmt.Errorf("login: record second-factor success: %w", err)
	}
	m.record(ctx, audit.Event{Type: audit.MFASucceeded, Outcome: audit.Success, Subject: u.ID, Actor: u.ID,
		Details: map[string]any{"kind": string(f.Kind), "factor": f.ID}})
	return nil
}
