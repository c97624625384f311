package login

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// FactorInfo describes a factor without its secret: what the account
// page, the console and the CLI show.
type FactorInfo struct {
	ID         string
	Kind       authcore.FactorKind
	Name       string
	Confirmed  bool
	CreatedAt  time.Time
	LastUsedAt time.Time
	// Remaining is the number of unused recovery codes (recovery only).
	Remaining int
}

// Factors returns the user's factors, secrets left out.
func (m *Manager) Factors(ctx context.Context, userID string) ([]FactorInfo, error) {
	all, err := m.store.ListFactors(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("login: list factors: %w", err)
	}
	out := make([]FactorInfo, 0, len(all))
	for _, f := range all {
		fi := FactorInfo{ID: f.ID, Kind: f.Kind, Name: f.Name, Confirmed: f.Confirmed,
			CreatedAt: f.CreatedAt, LastUsedAt: f.LastUsedAt}
		if f.Kind == authcore.FactorRecovery {
			fi.Remaining = recoveryLeft(f)
		}
		out = append(out, fi)
	}
	return out, nil
}

// RemoveFactor deletes one factor of the user and audits mfa.removed with
// the actor (the user on the account page, or an administrator). Removing
// the last second factor also removes the recovery codes, which only
// stand in for one. An unknown factor wraps authcore.ErrNotFound.
func (m *Manager) RemoveFactor(ctx context.Context, userID, factorID, actor string) error {
	f, err := m.store.GetFactor(ctx, userID, factorID)
	if err != nil {
		return fmt.Errorf("login: remove factor: %w", err)
	}
	if err := m.store.DeleteFactor(ctx, userID, factorID); err != nil {
		return fmt.Errorf("login: remove factor: %w", err)
	}
	m.record(ctx, audit.Event{Type: audit.MFARemoved, Outcome: audit.Success, Subject: userID, Actor: actor,
		Details: map[string]any{"kind": string(f.Kind), "factor": factorID}})
	if f.Kind == authcore.FactorRecovery {
		return nil
	}
	if has, err := m.HasSecondFactor(ctx, userID); err != nil || has {
		return err
	}
	err = m.store.DeleteFactor(ctx, userID, recoveryFactorID)
	if err == nil {
		m.record(ctx, audit.Event{Type: audit.MFARemoved, Outcome: audit.Success, Subject: userID, Actor: actor,
			Details: map[string]any{"kind": string(authcore.FactorRecovery), "factor": recoveryFactorID}})
	}
	if errors.Is(err, authcore.ErrNotFound) {
		return nil
	}
	return err
}

// ResetFactors removes every factor of the user (an administrator's
// reset for a user who lost them) and reports how many; each removal is
// audited with the actor. The user enrolls again at the next sign-in if
// policy requires a second factor.
func (m *Manager) ResetFactors(ctx context.Context, userID, actor string) (int, error) {
	if _, err := m.store.GetUser(ctx, userID); err != nil {
		return 0, fmt.Errorf("login: reset factors: %w", err)
	}
	all, err := m.store.ListFactors(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("login: reset factors: %w", err)
	}
	n := 0
	for _, f := range all {
		err := m.store.DeleteFactor(ctx, userID, f.ID)
		if errors.Is(err, authcore.ErrNotFound) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("login: reset factors: %w", err)
		}
		n++
		m.record(ctx, audit.Event{Type: audit.MFARemoved, Outcome: audit.Success, Subject: userID, Actor: actor,
			Reason: "reset", Details: map[string]any{"kind": string(f.Kind), "factor": f.ID}})
	}
	return n, nil
}

// SetRequireMFA sets whether the user must sign in with a second factor.
func (m *Manager) SetRequireMFA(ctx context.Context, userID string, on bool) error {
	change := "mfa_not_required"
	if on {
		change = "mfa_required"
	}
	return m.updateUser(ctx, userID, change, func(u *authcore.User) { u.RequireMFA = on })
}
