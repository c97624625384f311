package flow

import (
	"errors"
	"fmt"
	"net/url"
)

// refreshFlow shows refresh-token rotation and reuse detection (OAuth 2.1
// §4.3.1, RFC 9700 §4.14.2): it refreshes once, presents the spent refresh
// token again (which must fail with invalid_grant), then presents the
// successor, which must fail too once the family is revoked.
func (r *runner) refreshFlow() error {
	old := r.o.RefreshToken
	if old == "" {
		tr, err := r.authorizationCode(r.userScope(true))
		if err != nil {
			return err
		}
		if tr.RefreshToken == "" {
			return errors.New("flow: the code exchange issued no refresh token (ask for offline_access?)")
		}
		old = tr.RefreshToken
	}
	s, tr, err := r.refresh("Refresh", old)
	if err != nil {
		return err
	}
	next := tr.RefreshToken
	switch {
	case next == "":
		s.check(CheckRotation, false, "no new refresh_token: the old one stays valid (not rotated)")
	case next == old:
		s.check(CheckRotation, false, "the same refresh_token came back (not rotated)")
	default:
		s.check(CheckRotation, true, "a new refresh_token replaced the old one")
	}

	rotated := next != "" && next != old
	s, _, err = r.refresh("Present the spent refresh token again", old)
	var pe *ProtocolError
	switch {
	case !rotated && err == nil:
		s.note("the old refresh token still works: without rotation there is nothing to detect")
	case !rotated && errors.As(err, &pe):
		s.note(fmt.Sprintf("the unrotated refresh token was refused (%s): it is single use without a successor", pe.Code))
	case errors.As(err, &pe) && pe.Code == "invalid_grant":
		expected(s)
		s.check(CheckReuseRejected, true, "the spent refresh token was refused with invalid_grant")
		s.note("expected: reuse detection fired")
	case err == nil:
		s.check(CheckReuseRejected, false, "the spent refresh token was accepted again")
	case pe != nil:
		expected(s)
		s.check(CheckReuseRejected, true, fmt.Sprintf("refused with HTTP %d %s (RFC 6749 §5.2 asks for invalid_grant)", pe.Status, pe.Code))
	default:
		return err
	}
	if !rotated {
		return nil
	}
	s, _, err = r.refresh("Present the successor after reuse", next)
	switch {
	case errors.As(err, &pe):
		expected(s)
		s.check(CheckFamilyRevoked, true, fmt.Sprintf("the successor was refused too (%s): the family is revoked", pe.Code))
		s.note("expected: reuse revoked the whole token family")
	case err == nil:
		s.check(CheckFamilyRevoked, false, "the successor still works after reuse: the family was not revoked")
	default:
		return err
	}
	return nil
}

// refresh makes one refresh_token grant request.
func (r *runner) refresh(name, rt string) (*Step, *tokenResponse, error) {
	v := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	if r.o.Resource != "" {
		v.Set("resource", r.o.Resource)
	}
	return r.token(name, v)
}

// expected marks a step's failed status check as the refusal the flow
// meant to provoke.
func expected(s *Step) {
	for i, c := range s.Checks {
		if c.Name == CheckStatus && !c.OK {
			s.Checks[i] = Check{Name: CheckStatus, OK: true, Detail: c.Detail + " (expected)"}
		}
	}
}
