package oauth

import (
	"errors"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// polled is what the device grant (RFC 8628 §3.5) and the CIBA grant
// (CIBA Core 1.0 §11) share of a request a client polls for: whose it
// is, the user's decision, the single redemption, the polling interval.
type polled struct {
	ClientID string
	Status   authcore.DeviceStatus
	Redeemed bool
	Interval time.Duration
	LastPoll time.Time
	// ExpiresAt, when set, is judged by the server's clock too, not only
	// by the store's.
	ExpiresAt time.Time
}

// step decides one token request of client at now on p, inside the
// store's update: it returns the error that aborts the update (another
// client's or a redeemed request, a denied or expired one), or the
// polling outcome to answer after the write (slow_down, which lengthens
// the interval, or authorization_pending), or neither when the request
// is approved, which marks it redeemed. name is the parameter that
// carried the request's identifier.
func (p *polled) step(client string, now time.Time, name string) (outcome, abort error) {
	switch {
	case p.ClientID != client || p.Redeemed:
		return nil, errInvalidGrant(name + " is invalid or already used")
	case !p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt):
		return nil, newError(CodeExpiredToken, http.StatusBadRequest, name+" expired")
	case p.Status == authcore.DeviceDenied:
		return nil, newError(CodeAccessDenied, http.StatusBadRequest, "the user denied the request")
	case p.Status == authcore.DeviceApproved:
		p.Redeemed, p.LastPoll = true, now
		return nil, nil
	case !p.LastPoll.IsZero() && now.Sub(p.LastPoll) < p.Interval:
		p.Interval += slowDownStep
		outcome = newError(CodeSlowDown, http.StatusBadRequest, "polling too fast")
	default:
		outcome = newError(CodeAuthorizationPending, http.StatusBadRequest, "the user has not decided yet")
	}
	p.LastPoll = now
	return outcome, nil
}

// pollAnswer turns the store update's error and the step's outcome into
// the token endpoint's answer (nil: issue the tokens). A record that is
// gone is expired_token when the identifier's own expiry has passed,
// else invalid_grant.
func pollAnswer(err, outcome error, id, name string, now time.Time) error {
	var oe *Error
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		if exp, ok := deviceExpiry(id); ok && !now.Before(exp) {
			return newError(CodeExpiredToken, http.StatusBadRequest, name+" expired")
		}
		return errInvalidGrant(name + " is invalid or already used")
	case errors.As(err, &oe):
		return oe
	case err != nil:
		return unavailable(err)
	}
	return outcome
}
