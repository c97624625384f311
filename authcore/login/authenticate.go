package login

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// Reasons recorded on login.failed events.
const (
	reasonUnknownUser = "unknown_user"
	reasonBadPassword = "bad_password"
	reasonLocked      = "locked"
	reasonDisabled    = "disabled"
)

// Authenticate checks a username and password. It returns the user, or
// ErrInvalidCredentials (unknown user or wrong password), ErrLocked or
// ErrDisabled; any other error is a storage failure. Every outcome is
// audited as login.succeeded or login.failed with its reason; the
// password is never recorded.
//
// Every path spends one argon2id verification, also for unknown, locked
// and disabled accounts, so response time does not reveal which
// usernames exist. The Lockout policy's Threshold wrong passwords within
// its Window lock the account for its Duration (audited as account.locked);
// while locked even the right password fails.
func (m *Manager) Authenticate(ctx context.Context, username, password string) (authcore.User, error) {
	name, nameErr := normalizeUsername(username)
	var u authcore.User
	err := authcore.ErrNotFound
	if nameErr == nil {
		u, err = m.store.GetUserByUsername(ctx, name)
	}
	if err != nil && !errors.Is(err, authcore.ErrNotFound) {
		return authcore.User{}, fmt.Errorf("login: look up user: %w", err)
	}
	known := err == nil
	hash := m.dummy
	if known {
		hash = u.PasswordHash
	}
	tooLong := len(password) > maxPasswordBytes
	if tooLong {
		password = "" // still verify, for the timing; the result is ignored
	}
	_, span := trace.SpanFromContext(ctx).TracerProvider().Tracer("latchkey/login").Start(ctx, "password.verify")
	ok, verr := m.verify(ctx, hash, password)
	span.End()
	if verr != nil && !errors.Is(verr, ErrMalformedHash) {
		return authcore.User{}, verr // ctx ended while waiting
	}
	if verr != nil && known {
		m.log.Error().Err(verr).Str("user", u.ID).Msg("login: stored password hash is unusable")
	}
	ok = ok && verr == nil && !tooLong
	e := audit.Event{Type: audit.LoginFailed, Outcome: audit.Failure, Subject: u.ID, Actor: u.ID,
		Details: map[string]any{}}
	if nameErr == nil {
		// Only a well-formed username is recorded: a password typed into
		// the username field must not reach the log.
		e.Details["username"] = name
	}
	if !known {
		e.Reason = reasonUnknownUser
		m.record(ctx, e)
		return authcore.User{}, ErrInvalidCredentials
	}
	// A right password does not clear the failures of a user who still
	// owes a second factor: wrong codes must keep counting (mfa_lockout.go).
	keep := false
	if ok {
		if keep, err = m.HasSecondFactor(ctx, u.ID); err != nil {
			return authcore.User{}, err
		}
	}
	res, err := m.recordAttempt(ctx, u, ok, keep)
	if err != nil {
		return authcore.User{}, err
	}
	if res.err == nil {
		e.Type, e.Outcome = audit.LoginSucceeded, audit.Success
		m.record(ctx, e)
		m.maybeRehash(ctx, res.user, password)
		return res.user, nil
	}
	e.Reason = res.reason
	m.record(ctx, e)
	if res.locked {
		m.record(ctx, audit.Event{Type: audit.AccountLocked, Outcome: audit.Failure, Subject: u.ID,
			Reason:  "too many failed logins",
			Details: map[string]any{"until": res.user.LockedUntil, "failures": res.threshold}})
	}
	return authcore.User{}, res.err
}

// attempt is the outcome of one login decided in the store transaction.
type attempt struct {
	user   authcore.User
	err    error
	reason string
	locked bool // this attempt locked the account
	// threshold is the lockout threshold the attempt was judged by.
	threshold int
}

// recordAttempt decides the login against the stored user in one
// transaction (so concurrent attempts all count) and updates its failure
// history (kept on success when keepFailures). The closure may run more
// than once; it sets every result field on each run.
func (m *Manager) recordAttempt(ctx context.Context, verified authcore.User, passwordOK, keepFailures bool) (attempt, error) {
	var res attempt
	now := m.now()
	policy := m.lockout.Load()
	err := m.store.UpdateUser(ctx, verified.ID, func(u authcore.User) (authcore.User, error) {
		res = attempt{user: u, threshold: policy.Threshold}
		switch {
		case u.Disabled:
			res.err, res.reason = ErrDisabled, reasonDisabled
			return u, nil
		case u.Locked(now):
			res.err, res.reason = ErrLocked, reasonLocked
			return u, nil
		case passwordOK && u.PasswordHash == verified.PasswordHash:
			if !keepFailures {
				u.FailedLogins, u.LockedUntil = nil, time.Time{}
			}
		default:
			res.err, res.reason = ErrInvalidCredentials, reasonBadPassword
			res.locked = countFailure(&u, now, policy)
		}
		res.user = u
		return u, nil
	})
	if err != nil {
		return attempt{}, fmt.Errorf("login: record login attempt: %w", err)
	}
	return res, nil
}

// countFailure adds a failure at now to u's history under policy and
// locks the account when it reaches the threshold (reporting so).
func countFailure(u *authcore.User, now time.Time, policy *Lockout) bool {
	u.FailedLogins = recentFailures(u.FailedLogins, now.Add(-policy.Window))
	u.FailedLogins = append(u.FailedLogins, now)
	if policy.Threshold > 0 && len(u.FailedLogins) >= policy.Threshold {
		u.FailedLogins, u.LockedUntil = nil, now.Add(policy.Duration)
		return true
	}
	return false
}

// recentFailures keeps the failure times after since.
func recentFailures(times []time.Time, since time.Time) []time.Time {
	var out []time.Time
	for _, t := range times {
		if t.After(since) {
			out = append(out, t)
		}
	}
	return out
}

// maybeRehash upgrades a hash made with other parameters after a
// successful login. Failure is logged, not fatal.
func (m *Manager) maybeRehash(ctx context.Context, u authcore.User, password string) {
	if !needsRehash(u.PasswordHash, m.cfg.PasswordParams) {
		return
	}
	hash, err := m.HashPassword(password)
	if err == nil {
		err = m.store.UpdateUser(ctx, u.ID, func(cur authcore.User) (authcore.User, error) {
			if cur.PasswordHash == u.PasswordHash {
				cur.PasswordHash = hash
			}
			return cur, nil
		})
	}
	if err != nil {
		m.log.Warn().Err(err).Str("user", u.ID).Msg("login: password rehash failed")
	}
}
