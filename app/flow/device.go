package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Device-flow polling bounds (RFC 8628 §3.2, §3.5).
const (
	defaultDeviceInterval = 5 * time.Second
	slowDownStep          = 5 * time.Second
	defaultDeviceExpiry   = 10 * time.Minute
)

// GrantDeviceCode is the RFC 8628 §3.4 grant type.
const GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"

// device runs the device authorization grant (RFC 8628): it asks for a
// device and user code, shows them, and polls the token endpoint at the
// given interval, slowing down when told to, until the user decides or the
// code expires.
func (r *runner) device() error {
	ep, err := r.endpoint("device_authorization_endpoint")
	if err != nil {
		return err
	}
	v := url.Values{}
	if scope := r.userScope(false); scope != "" {
		v.Set("scope", scope)
	}
	s, rep, err := r.form("Device authorization request", ep, v)
	if err != nil {
		return err
	}
	var da struct {
		Code string `json:"device_code"`
		DeviceCode
		VerificationURL string `json:"verification_url"` // the pre-RFC name some issuers send
	}
	_ = json.Unmarshal(rep.Body, &da)
	dc := da.DeviceCode
	if dc.VerificationURI == "" {
		dc.VerificationURI = da.VerificationURL
	}
	if rep.Status != http.StatusOK {
		pe := protocolError(s.Name, rep)
		s.check(CheckStatus, false, fmt.Sprintf("HTTP %d %s", rep.Status, pe.Code))
		return pe
	}
	ok := da.Code != "" && dc.UserCode != "" && dc.VerificationURI != ""
	s.check(CheckStatus, ok, "device_code, user_code and verification_uri present (RFC 8628 §3.2)")
	if !ok {
		return errors.New("flow: the device authorization response is incomplete")
	}
	s.note(fmt.Sprintf("user code %s at %s", dc.UserCode, dc.VerificationURI))
	if r.o.OnDeviceCode != nil {
		r.o.OnDeviceCode(dc)
	}
	show := dc.VerificationURI
	if dc.VerificationURIComplete != "" {
		show = dc.VerificationURIComplete
	}
	if r.o.OnAuthURL != nil {
		r.o.OnAuthURL(show)
	}
	if r.o.OpenBrowser != nil {
		if err := r.o.OpenBrowser(show); err != nil {
			s.note("could not open the browser: " + err.Error())
		}
	}
	_, _, err = r.poll(url.Values{"grant_type": {GrantDeviceCode}, "device_code": {da.Code}},
		dc.Interval, dc.ExpiresIn, "the device code", "RFC 8628 §3.5")
	return err
}

// poll asks the token endpoint with v for a decoupled grant's tokens
// (the device code, RFC 8628 §3.4, §3.5; CIBA's auth_req_id, CIBA Core
// §11), waiting intervalSec between requests; slow_down adds 5 s for
// good (spec says where). The total wait is bounded by expiresSec (and
// the run's timeout); what names the code in the error.
func (r *runner) poll(v url.Values, intervalSec, expiresSec int, what, spec string) (*Step, *tokenResponse, error) {
	interval := time.Duration(intervalSec) * time.Second
	if interval <= 0 {
		interval = defaultDeviceInterval
	}
	expiry := time.Duration(expiresSec) * time.Second
	if expiry <= 0 {
		expiry = defaultDeviceExpiry
	}
	var waited time.Duration
	for n := 1; ; n++ {
		if waited+interval > expiry {
			return nil, nil, fmt.Errorf("flow: %s expired after %s without a decision", what, waited)
		}
		if err := r.o.Sleep(r.ctx, interval); err != nil {
			return nil, nil, fmt.Errorf("flow: stopped polling: %w", err)
		}
		waited += interval
		s, tr, err := r.token(fmt.Sprintf("Poll the token endpoint #%d", n), v)
		if s != nil {
			s.note(fmt.Sprintf("waited %s before this poll", interval))
		}
		var pe *ProtocolError
		if err == nil || !errors.As(err, &pe) {
			return s, tr, err
		}
		switch pe.Code {
		case "authorization_pending":
			expected(s)
			s.note("authorization_pending: the user has not decided yet")
		case "slow_down":
			expected(s)
			interval += slowDownStep
			s.note(fmt.Sprintf("slow_down: polling every %s from now on (%s)", interval, spec))
		default: // access_denied, expired_token, or a real error
			return s, tr, err
		}
	}
}
