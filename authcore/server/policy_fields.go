package server

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/authcore/gateway"
)

// policyField describes one Policy value: its name, how it is written,
// its bounds, and where it lives in Policy.
type policyField struct {
	key, label, kind, flag string
	min, max               string // display form; "" for rates
	get                    func(*Policy) string
	set                    func(*Policy, string) error
	// seed copies a start flag's value (not bound by min and max) from
	// src to dst when src has one.
	seed func(dst, src *Policy) bool
}

func seeder[T comparable](at func(*Policy) *T) func(dst, src *Policy) bool {
	return func(dst, src *Policy) bool {
		var zero T
		if v := *at(src); v != zero {
			*at(dst) = v
			return true
		}
		return false
	}
}

const day = 24 * time.Hour

// policyFields lists the fields in the order the console shows them.
var policyFields = []policyField{
	durationField("access_token_ttl", "Access-token lifetime", "", time.Minute, 24*time.Hour,
		func(p *Policy) *time.Duration { return &p.AccessTokenTTL }),
	durationField("refresh_token_ttl", "Refresh-token lifetime", "", time.Minute, 365*day,
		func(p *Policy) *time.Duration { return &p.RefreshTokenTTL }),
	rateField("token_rate_per_client", "Token endpoint ceiling per client", "--token-rate-per-client", true,
		func(p *Policy) *string { return &p.TokenRateClient }),
	rateField("token_rate_per_ip", "Token endpoint ceiling per IP", "--token-rate-per-ip", true,
		func(p *Policy) *string { return &p.TokenRateIP }),
	countField("auth_failure_burst", "Failed client authentications allowed at once", 1, 1000,
		func(p *Policy) *int { return &p.AuthFailureBurst }),
	rateField("auth_failure_rate", "Failed client authentications after that", "", false,
		func(p *Policy) *string { return &p.AuthFailureRate }).capped(maxAuthFailureRate, maxAuthFailureRateText),
	countField("lockout_threshold", "Failed logins before an account locks", 1, 100,
		func(p *Policy) *int { return &p.LockoutThreshold }),
	durationField("lockout_window", "Counted within", "", time.Minute, day,
		func(p *Policy) *time.Duration { return &p.LockoutWindow }),
	durationField("lockout_duration", "Lockout duration", "", time.Minute, 30*day,
		func(p *Policy) *time.Duration { return &p.LockoutDuration }),
	durationField("audit_retention", "Audit retention", "--audit-retention", day, 3650*day,
		func(p *Policy) *time.Duration { return &p.AuditRetention }),
	switchField(adminMFAKey, "Administrators must use a second factor",
		func(p *Policy) *string { return &p.AdminMFA }), // mfa.go
}

func fieldByKey(k string) *policyField {
	for i := range policyFields {
		if policyFields[i].key == k {
			return &policyFields[i]
		}
	}
	return nil
}

func fieldIndex(k string) int {
	for i := range policyFields {
		if policyFields[i].key == k {
			return i
		}
	}
	return len(policyFields)
}

func durationField(key, label, flag string, lo, hi time.Duration, at func(*Policy) *time.Duration) policyField {
	return policyField{key: key, label: label, kind: "duration", flag: flag, seed: seeder(at),
		min: FormatPolicyDuration(lo), max: FormatPolicyDuration(hi),
		get: func(p *Policy) string { return FormatPolicyDuration(*at(p)) },
		set: func(p *Policy, v string) error {
			d, err := ParsePolicyDuration(v)
			if err != nil {
				return err
			}
			if d < lo || d > hi {
				return fmt.Errorf("must be from %s to %s", FormatPolicyDuration(lo), FormatPolicyDuration(hi))
			}
			*at(p) = d
			return nil
		}}
}

// maxAuthFailureRate caps the failed-client-authentication rate: the
// guard cannot be turned off (OAuth 2.1 §2.4.1), and a rate of a million
// failures a second would turn it off in all but name.
const (
	maxAuthFailureRate     = rate.Limit(10)
	maxAuthFailureRateText = "10/s"
)

// capped bounds a rate field to at most hi (written as text).
func (f policyField) capped(hi rate.Limit, text string) policyField {
	set := f.set
	f.max = text
	f.set = func(p *Policy, v string) error {
		if l, _, err := gateway.ParseRate(strings.TrimSpace(v)); err == nil && l > hi {
			return fmt.Errorf("must be at most %s", text)
		}
		return set(p, v)
	}
	return f
}

func rateField(key, label, flag string, mayBeOff bool, at func(*Policy) *string) policyField {
	return policyField{key: key, label: label, kind: "rate", flag: flag, seed: seeder(at),
		get: func(p *Policy) string { return *at(p) },
		set: func(p *Policy, v string) error {
			v = strings.TrimSpace(v)
			if v == "off" && mayBeOff {
				*at(p) = v
				return nil
			}
			n, unit, _ := strings.Cut(v, "/")
			if _, _, err := gateway.ParseRate(v); err != nil {
				if mayBeOff {
					return fmt.Errorf(`write a count per second, minute or hour, like "100/s", "600/m" or "10/h", or "off"`)
				}
				return fmt.Errorf(`write a count per second, minute or hour, like "1/s" or "30/m"`)
			}
			count, _ := strconv.Atoi(strings.TrimSpace(n))
			*at(p) = strconv.Itoa(count) + "/" + strings.TrimSpace(unit)[:1]
			return nil
		}}
}

func countField(key, label string, lo, hi int, at func(*Policy) *int) policyField {
	return policyField{key: key, label: label, kind: "count", seed: seeder(at),
		min: strconv.Itoa(lo), max: strconv.Itoa(hi),
		get: func(p *Policy) string { return strconv.Itoa(*at(p)) },
		set: func(p *Policy, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("must be a whole number")
			}
			if n < lo || n > hi {
				return fmt.Errorf("must be from %d to %d", lo, hi)
			}
			*at(p) = n
			return nil
		}}
}

// ParsePolicyDuration reads a duration as the console writes it: a
// number and a unit (s, m, h or d), or several ("1h30m", "2d12h").
func ParsePolicyDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	bad := fmt.Errorf(`write a duration like "90s", "15m", "12h" or "30d"`)
	if v == "" {
		return 0, bad
	}
	var total time.Duration
	for v != "" {
		i := 0
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == 0 || i == len(v) || i > 6 {
			return 0, bad
		}
		n, _ := strconv.Atoi(v[:i])
		unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': day}[v[i]]
		if unit == 0 {
			return 0, bad
		}
		// Refuse what would overflow int64 nanoseconds (and could wrap
		// back into range).
		if time.Duration(n) > math.MaxInt64/unit || total > math.MaxInt64-time.Duration(n)*unit {
			return 0, bad
		}
		total += time.Duration(n) * unit
		v = v[i+1:]
	}
	return total, nil
}

// FormatPolicyDuration writes d in the largest whole unit: "30d", "12h",
// "90m", "45s"; a negative d (keep forever) is "forever".
func FormatPolicyDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "forever"
	case d == 0:
		return "0s"
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return strconv.FormatInt(int64(d.Round(time.Second)/time.Second), 10) + "s"
}

// PolicyKeys lists the keys of the policy values, in display order, with
// their labels (for command-line flags).
func PolicyKeys() [][2]string {
	out := make([][2]string, len(policyFields))
	for i, f := range policyFields {
		out[i] = [2]string{f.key, f.label}
	}
	return out
}
