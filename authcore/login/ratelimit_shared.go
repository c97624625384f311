package login

import (
	"context"
	"math"
	"time"

	"golang.org/x/time/rate"
)

// The sign-in form is limited twice per remote address: every POST
// /login spends a token of this process's bucket (m.limiter), and every
// failed one adds to a count in the store (authcore.Counters), LoginBurst
// failures per LoginBurst/LoginRate, which every node sharing the store
// sees. A guesser spreading its attempts over several nodes so meets the
// ceiling of one. (Account lockout is counted on the user record in the
// store, so it holds across nodes by itself.)

// failedLoginWindow is the shared count's window; 0 when the rate is
// unlimited.
func (m *Manager) failedLoginWindow() time.Duration {
	switch l := m.cfg.LoginRate; {
	case l == rate.Inf:
		return 0
	case l <= 0:
		return 24 * time.Hour
	default:
		return time.Duration(math.Ceil(float64(max(m.cfg.LoginBurst, 1)) / float64(l) * float64(time.Second)))
	}
}

// failedLoginKey is the shared counter of the address ip.
func failedLoginKey(ip string) string { return "login_failed:ip:" + limitKey(ip) }

// loginBlocked reports whether ip spent its failed logins on any node,
// and for how many seconds.
func (m *Manager) loginBlocked(ctx context.Context, ip string, now time.Time) (bool, int, error) {
	if m.failedLoginWindow() == 0 {
		return false, 0, nil
	}
	n, until, err := m.store.MaxCounter(ctx, now, failedLoginKey(ip))
	if err != nil || n < max(m.cfg.LoginBurst, 1) {
		return false, 0, err
	}
	return true, max(1, int(math.Ceil(until.Sub(now).Seconds()))), nil
}

// countFailedLogin adds a failed login of ip to the shared count. A
// store error is logged: the attempt has been refused already.
func (m *Manager) countFailedLogin(ctx context.Context, ip string, now time.Time) {
	w := m.failedLoginWindow()
	if w == 0 {
		return
	}
	if _, _, err := m.store.IncrementCounter(ctx, failedLoginKey(ip), w, now); err != nil {
		m.log.Error().Err(err).Msg("login: count a failed login")
	}
}
