package login

import (
	"errors"
	"time"
)

// Lockout is the account-lockout policy: Threshold wrong passwords
// within Window lock the account for Duration. SetLockout changes it while
// the server runs.
type Lockout struct {
	Threshold int
	Window    time.Duration
	Duration  time.Duration
}

// Lockout returns the policy in force.
func (m *Manager) Lockout() Lockout { return *m.lockout.Load() }

// SetLockout puts l in force for the next login attempt. Zero fields
// select the defaults (5 in 15 min, for 15 min); negative ones are
// refused. Failures already counted stay counted, judged by the new
// window and threshold; a lock already set keeps its end.
func (m *Manager) SetLockout(l Lockout) error {
	if l.Threshold < 0 || l.Window < 0 || l.Duration < 0 {
		return errors.New("login: negative Lockout value")
	}
	setDefault(&l.Threshold, DefaultLockoutThreshold)
	setDefault(&l.Window, DefaultLockoutWindow)
	setDefault(&l.Duration, DefaultLockoutDuration)
	m.lockout.Store(&l)
	return nil
}
