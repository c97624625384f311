package server

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// adminMFAKey is the policy key of "administrators must use a second
// factor".
const adminMFAKey = "admins_must_use_mfa"

// wireMFA connects the sign-in's second factors to the rest of the
// server: recovery codes are stored under the server's secret hash, and
// authenticator apps name the issuer's host.
func (s *Server) wireMFA(cfg Config) {
	s.Login.SetSecretHasher(s.OAuth.HashSecret)
	if u, err := url.Parse(cfg.Issuer); err == nil && u.Host != "" {
		s.Login.SetTOTPIssuer("Latchkey (" + u.Host + ")")
	}
}

// defaultAdminMFA is the built-in "administrators must use a second
// factor": on, except for a loopback issuer (a development machine).
func defaultAdminMFA(issuer string) string {
	if isLoopbackIssuer(issuer) {
		return "off"
	}
	return "on"
}

// isLoopbackIssuer reports whether the issuer's host is localhost or a
// loopback address.
func isLoopbackIssuer(issuer string) bool {
	u, err := url.Parse(issuer)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") || strings.HasSuffix(strings.ToLower(h), ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// switchField is an on/off policy value.
func switchField(key, label string, at func(*Policy) *string) policyField {
	return policyField{key: key, label: label, kind: "switch", seed: seeder(at),
		get: func(p *Policy) string { return *at(p) },
		set: func(p *Policy, v string) error {
			switch v = strings.ToLower(strings.TrimSpace(v)); v {
			case "on", "off":
				*at(p) = v
				return nil
			}
			return fmt.Errorf(`must be "on" or "off"`)
		}}
}
