package login

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// UserSpec describes a new user.
type UserSpec struct {
	// Username is what the user types to sign in: 1 to 64 characters
	// from a-z, 0-9 and ".", "_", "-", "@", starting with a letter or
	// digit. It is stored lower-cased, and sign-in is case-insensitive.
	Username string
	// Email is optional; when set it must be a plain address.
	Email string
	// DisplayName is optional, at most 128 characters, no control
	// characters.
	DisplayName string
	// Password must meet the policy (Config.MinPasswordLength).
	Password string
	// Admin may use the console.
	Admin bool
}

// CreateUser validates spec, hashes the password and stores a new user
// whose ID, the stable subject identifier (sub), is a random UUID chosen
// by the server. A taken username gives an error wrapping
// authcore.ErrAlreadyExists; invalid details ErrInvalidUser; a short
// password ErrWeakPassword.
func (m *Manager) CreateUser(ctx context.Context, spec UserSpec) (authcore.User, error) {
	username, err := normalizeUsername(spec.Username)
	if err != nil {
		return authcore.User{}, err
	}
	if err := validateEmail(spec.Email); err != nil {
		return authcore.User{}, err
	}
	if err := validateDisplayName(spec.DisplayName); err != nil {
		return authcore.User{}, err
	}
	if err := m.checkPassword(spec.Password); err != nil {
		return authcore.User{}, err
	}
	hash, err := m.HashPassword(spec.Password)
	if err != nil {
		return authcore.User{}, err
	}
	id, err := m.newUserID()
	if err != nil {
		return authcore.User{}, err
	}
	now := m.now()
	u := authcore.User{
		ID: id, Username: username, Email: spec.Email, DisplayName: spec.DisplayName,
		PasswordHash: hash, Admin: spec.Admin, CreatedAt: now, UpdatedAt: now,
	}
	if err := m.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, authcore.ErrAlreadyExists) {
			return authcore.User{}, fmt.Errorf("login: username %q is taken: %w", username, err)
		}
		return authcore.User{}, fmt.Errorf("login: create user: %w", err)
	}
	m.record(ctx, audit.Event{Type: audit.UserCreated, Outcome: audit.Success, Subject: id,
		Details: map[string]any{"username": username, "admin": spec.Admin}})
	return u, nil
}

// SetPassword checks the policy, replaces the user's password and ends
// all of the user's browser sessions. An unknown id gives an error
// wrapping authcore.ErrNotFound.
func (m *Manager) SetPassword(ctx context.Context, id, password string) error {
	if err := m.checkPassword(password); err != nil {
		return err
	}
	hash, err := m.HashPassword(password)
	if err != nil {
		return err
	}
	if err := m.updateUser(ctx, id, "password", func(u *authcore.User) {
		u.PasswordHash = hash
	}); err != nil {
		return err
	}
	_, err = m.endAll(ctx, id, "password_changed")
	return err
}

// SetDisabled disables or re-enables the account. Disabling ends all of
// its browser sessions; a disabled user cannot sign in and has no session.
func (m *Manager) SetDisabled(ctx context.Context, id string, disabled bool) error {
	change := "enabled"
	if disabled {
		change = "disabled"
	}
	if err := m.updateUser(ctx, id, change, func(u *authcore.User) { u.Disabled = disabled }); err != nil {
		return err
	}
	if !disabled {
		return nil
	}
	if _, err := m.endAll(ctx, id, "user_disabled"); err != nil {
		return err
	}
	return m.revokeGrantsOf(ctx, id, "user_disabled")
}

// revokeGrantsOf revokes every live grant of the user: their refresh
// tokens would otherwise keep minting access tokens for an account an
// administrator has shut, and re-enabling it must not bring them back.
func (m *Manager) revokeGrantsOf(ctx context.Context, userID, reason string) error {
	gs, err := m.store.ListGrants(ctx)
	if err != nil {
		return fmt.Errorf("login: list grants: %w", err)
	}
	for _, g := range gs {
		if g.UserID != userID || g.Revoked {
			continue
		}
		err := m.store.RevokeGrant(ctx, g.ID, reason, m.now())
		if errors.Is(err, authcore.ErrNotFound) {
			continue // expired and collected meanwhile
		}
		if err != nil {
			return fmt.Errorf("login: revoke grant: %w", err)
		}
		m.record(ctx, audit.Event{Type: audit.TokenRevoked, Outcome: audit.Success, ClientID: g.ClientID, Subject: userID,
			Details: map[string]any{"grant_id": g.ID, "token_type": "grant", "reason": reason, "access_tokens": len(g.AccessJTIs)}})
	}
	return nil
}

// Unlock lifts a lockout and forgets the user's recent failed logins.
func (m *Manager) Unlock(ctx context.Context, id string) error {
	return m.updateUser(ctx, id, "unlocked", func(u *authcore.User) {
		u.FailedLogins, u.LockedUntil = nil, time.Time{}
	})
}

// updateUser applies fn to the stored user, stamps UpdatedAt and records
// a user.updated event naming change.
func (m *Manager) updateUser(ctx context.Context, id, change string, fn func(*authcore.User)) error {
	err := m.store.UpdateUser(ctx, id, func(u authcore.User) (authcore.User, error) {
		fn(&u)
		u.UpdatedAt = m.now()
		return u, nil
	})
	if err != nil {
		return fmt.Errorf("login: update user: %w", err)
	}
	m.record(ctx, audit.Event{Type: audit.UserUpdated, Outcome: audit.Success, Subject: id,
		Details: map[string]any{"change": change}})
	return nil
}

// checkPassword enforces the password policy: at least
// MinPasswordLength characters and at most 1024 bytes.
func (m *Manager) checkPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < m.cfg.MinPasswordLength:
		return authcore.Invalid(ErrWeakPassword, "the password is too short: use at least %d characters", m.cfg.MinPasswordLength)
	case len(pw) > maxPasswordBytes:
		return authcore.Invalid(ErrWeakPassword, "the password is too long: use at most %d bytes", maxPasswordBytes)
	}
	return nil
}
