package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// Device authorization grant defaults (RFC 8628 §3.2).
const (
	DefaultDeviceLifetime = 10 * time.Minute
	DefaultDeviceInterval = 5 * time.Second
	// UserCodeAlphabet is the base-20 alphabet of user codes (RFC 8628
	// §6.1): consonants only, so no words and no look-alike characters.
	UserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"
	// userCodeLen letters give 20^8 ≈ 2^34.6 codes, shown as XXXX-XXXX.
	userCodeLen = 8
)

// DeviceConfig configures the device authorization grant (RFC 8628). The
// zero value turns it on with a 10 min lifetime and a 5 s interval.
type DeviceConfig struct {
	// Disabled turns the endpoint and the grant off; neither is then
	// advertised.
	Disabled bool
	// Lifetime of a device code (default 10 min).
	Lifetime time.Duration
	// Interval is the initial polling interval (default 5 s).
	Interval time.Duration
}

// mountPARDevice mounts /par and, unless disabled, /device_authorization.
func (s *Server) mountPARDevice(mux *http.ServeMux) {
	mux.HandleFunc("POST /par", s.handlePAR)
	mux.Handle("/par", methodNotAllowed("POST"))
	if !s.cfg.Device.Disabled {
		mux.HandleFunc("POST /device_authorization", s.handleDeviceAuthorization)
		mux.Handle("/device_authorization", methodNotAllowed("POST"))
	}
}

func (s *Server) deviceLifetime() time.Duration {
	if d := s.cfg.Device.Lifetime; d > 0 {
		return d
	}
	return DefaultDeviceLifetime
}

func (s *Server) deviceInterval() time.Duration {
	if d := s.cfg.Device.Interval; d > 0 {
		return d
	}
	return DefaultDeviceInterval
}

// handleDeviceAuthorization is POST /device_authorization (RFC 8628
// §3.1, §3.2): confidential clients authenticate as at the token
// endpoint, public ones send client_id. The answer carries a 256-bit
// device_code (stored hashed), a user_code, the verification URIs, the
// lifetime and the polling interval.
func (s *Server) handleDeviceAuthorization(w http.ResponseWriter, r *http.Request) {
	ca, p, ok := s.clientRequest(w, r, &deviceEndpoint) // endpoint.go
	if !ok {
		return
	}
	resp, err := s.startDevice(r.Context(), ca.client, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// startDevice validates the request and stores a new device code.
func (s *Server) startDevice(ctx context.Context, c authcore.Client, p params) (map[string]any, error) {
	if !c.AllowsGrant(authcore.GrantDeviceCode) {
		return nil, newError(CodeUnauthorizedClient, http.StatusBadRequest, "client may not use the device grant")
	}
	scopes, err := parseScope(p.get("scope"))
	if err != nil {
		return nil, errInvalidScope("scope is malformed")
	}
	for _, sc := range scopes {
		if !c.AllowsScope(sc) {
			return nil, errInvalidScope("scope " + sc + " is not allowed for this client")
		}
	}
	res, err := s.checkResources(c, p.get("resource"), true)
	if err != nil {
		return nil, err
	}
	now := s.now()
	exp := now.Add(s.deviceLifetime())
	random, err := s.randomToken(32)
	if err != nil {
		return nil, internal(err)
	}
	// The expiry rides in the code, so a poll after the record is gone
	// can be told expired_token rather than invalid_grant.
	code := random + "." + strconv.FormatInt(exp.Unix(), 36)
	d := authcore.DeviceCode{Hash: hashToken(code), ClientID: c.ID, Scopes: scopes, Resources: res,
		Status: authcore.DevicePending, Interval: s.deviceInterval(), ExpiresAt: exp, CreatedAt: now}
	for attempt := 0; ; attempt++ {
		if d.UserCode, err = s.userCode(); err != nil {
			return nil, internal(err)
		}
		err = s.store.CreateDeviceCode(ctx, d)
		if err == nil {
			break
		}
		if !errors.Is(err, authcore.ErrAlreadyExists) || attempt == 4 {
			return nil, unavailable(err)
		}
	}
	shown := FormatUserCode(d.UserCode)
	verify := s.cfg.Issuer + "/device"
	return map[string]any{
		"device_code":               code,
		"user_code":                 shown,
		"verification_uri":          verify,
		"verification_uri_complete": verify + "?" + url.Values{"user_code": {shown}}.Encode(),
		"expires_in":                int64(s.deviceLifetime() / time.Second),
		"interval":                  int64(d.Interval / time.Second),
	}, nil
}

// userCode draws userCodeLen letters of UserCodeAlphabet uniformly
// (rejection sampling: bytes >= 240 are drawn again).
func (s *Server) userCode() (string, error) {
	out := make([]byte, 0, userCodeLen)
	for len(out) < userCodeLen {
		b, err := s.randomBytes(16)
		if err != nil {
			return "", err
		}
		for _, x := range b {
			if x < 240 && len(out) < userCodeLen {
				out = append(out, UserCodeAlphabet[int(x)%len(UserCodeAlphabet)])
			}
		}
	}
	return string(out), nil
}

// FormatUserCode shows a user code as XXXX-XXXX (RFC 8628 §6.1).
func FormatUserCode(c string) string {
	if len(c) != userCodeLen {
		return c
	}
	return c[:4] + "-" + c[4:]
}

// deviceExpiry reads the expiry a device code carries; false when it has
// none.
func deviceExpiry(code string) (time.Time, bool) {
	for i := len(code) - 1; i >= 0; i-- {
		if code[i] == '.' {
			n, err := strconv.ParseInt(code[i+1:], 36, 64)
			return time.Unix(n, 0), err == nil
		}
	}
	return time.Time{}, false
}
