package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

func newPolicyServer(t *testing.T, st authcore.Storage, flags server.Policy, alog *audit.Log) *server.Server {
	t.Helper()
	cfg := server.Config{Issuer: "http://127.0.0.1:8421", Store: st, Logger: zerolog.Nop(), Policy: flags,
		KeyAlgorithms: []string{"ES256"}}
	if alog != nil {
		cfg.Audit = alog
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func valueOf(st server.PolicyState, key string) server.PolicyValue {
	for _, v := range st.Values {
		if v.Key == key {
			return v
		}
	}
	return server.PolicyValue{}
}

// Start flags seed the defaults; saved values win over them, also after
// a restart with other flags; saving a default value un-pins it.
func TestPolicyPrecedence(t *testing.T) {
	ctx := context.Background()
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	alog, err := audit.Open(audit.Options{InMemory: true, Retention: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer alog.Close()
	flags := server.Policy{TokenRateClient: "100/s", AuditRetention: 48 * time.Hour}
	srv := newPolicyServer(t, st, flags, alog)
	ps := srv.Policy()
	if v := valueOf(ps, "token_rate_per_client"); v.Value != "100/s" || v.Default != "100/s" || !v.FromFlag || v.Saved ||
		v.Flag != "--token-rate-per-client" {
		t.Fatalf("flag default: %+v", v)
	}
	if v := valueOf(ps, "audit_retention"); v.Value != "2d" || v.Saved || !v.FromFlag {
		t.Fatalf("retention from the audit log: %+v", v)
	}
	if v := valueOf(ps, "access_token_ttl"); v.Value != "10m" || v.FromFlag || v.Min != "1m" || v.Max != "1d" {
		t.Fatalf("built-in: %+v", v)
	}
	if got := srv.OAuth.Policy().ClientRate; got != 100 {
		t.Fatalf("oauth client rate %v", got)
	}

	_, diff, err := srv.UpdatePolicy(ctx, map[string]string{
		"access_token_ttl": "5m", "token_rate_per_client": "1/m", "lockout_threshold": "3",
		"lockout_duration": "1h", "audit_retention": "7d", "refresh_token_ttl": "720h", // refresh: the default, written otherwise
	}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(diff) != 5 || diff[0].Key != "access_token_ttl" || diff[0].From != "10m" || diff[0].To != "5m" {
		t.Fatalf("diff %+v", diff)
	}
	// In force at once, in every service.
	if p := srv.OAuth.Policy(); p.AccessTokenTTL != 5*time.Minute || p.ClientRate != rate.Every(time.Minute) || p.ClientBurst != 2 {
		t.Fatalf("oauth policy %+v", p)
	}
	if l := srv.Login.Lockout(); l != (login.Lockout{Threshold: 3, Window: login.DefaultLockoutWindow, Duration: time.Hour}) {
		t.Fatalf("lockout %+v", l)
	}
	if alog.Retention() != 7*24*time.Hour {
		t.Fatalf("audit retention %v", alog.Retention())
	}
	ps = srv.Policy()
	if ps.UpdatedBy != "alice" || ps.UpdatedAt.IsZero() || !valueOf(ps, "access_token_ttl").Saved {
		t.Fatalf("state %+v", ps)
	}

	// A restart with other flags: the saved values still win.
	srv2 := newPolicyServer(t, st, server.Policy{TokenRateClient: "500/s", AccessTokenTTL: time.Minute}, nil)
	ps = srv2.Policy()
	if v := valueOf(ps, "token_rate_per_client"); v.Value != "1/m" || v.Default != "500/s" || !v.Saved {
		t.Fatalf("after restart: %+v", v)
	}
	if srv2.OAuth.Policy().AccessTokenTTL != 5*time.Minute {
		t.Fatalf("after restart: access %v", srv2.OAuth.Policy().AccessTokenTTL)
	}
	// Saving the default value un-pins it: the flag governs again.
	if _, _, err := srv2.UpdatePolicy(ctx, map[string]string{"token_rate_per_client": "500/s"}, "bob"); err != nil {
		t.Fatal(err)
	}
	if v := valueOf(srv2.Policy(), "token_rate_per_client"); v.Saved || v.Value != "500/s" {
		t.Fatalf("back to the flag: %+v", v)
	}
	if d, ok := server.SavedAuditRetention(ctx, st); !ok || d != 7*24*time.Hour {
		t.Fatalf("SavedAuditRetention = %v %v", d, ok)
	}
}

// Every bound is checked with a sentence at the field; nothing changes
// when any value is refused.
func TestUpdatePolicyRefusesBadValues(t *testing.T) {
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := newPolicyServer(t, st, server.Policy{}, nil)
	tests := []struct {
		in       map[string]string
		key, msg string
	}{
		{map[string]string{"access_token_ttl": "30s"}, "access_token_ttl", "must be from 1m to 1d"},
		{map[string]string{"access_token_ttl": "25h"}, "access_token_ttl", "must be from 1m to 1d"},
		{map[string]string{"access_token_ttl": "ten minutes"}, "access_token_ttl", `write a duration like "90s"`},
		{map[string]string{"access_token_ttl": "2h", "refresh_token_ttl": "1h"}, "refresh_token_ttl", "must be at least the access-token lifetime (2h)"},
		{map[string]string{"refresh_token_ttl": "5m"}, "refresh_token_ttl", "must be at least the access-token lifetime (10m)"},
		{map[string]string{"token_rate_per_ip": "fast"}, "token_rate_per_ip", `like "100/s"`},
		{map[string]string{"token_rate_per_ip": "0/s"}, "token_rate_per_ip", `like "100/s"`},
		{map[string]string{"auth_failure_rate": "off"}, "auth_failure_rate", `like "1/s"`},
		{map[string]string{"auth_failure_burst": "0"}, "auth_failure_burst", "must be from 1 to 1000"},
		{map[string]string{"lockout_threshold": "x"}, "lockout_threshold", "must be a whole number"},
		{map[string]string{"lockout_window": "2d"}, "lockout_window", "must be from 1m to 1d"},
		{map[string]string{"audit_retention": "12h"}, "audit_retention", "must be from 1d to 3650d"},
		{map[string]string{"issuer": "https://x"}, "issuer", "is not a setting"},
	}
	for _, tc := range tests {
		_, _, err := srv.UpdatePolicy(context.Background(), tc.in, "alice")
		var pe *server.PolicyError
		if !errors.As(err, &pe) || !strings.Contains(pe.Problems[tc.key], tc.msg) {
			t.Errorf("%v: %v, want %s: %s", tc.in, err, tc.key, tc.msg)
		}
		if pe := srv.CheckPolicy(tc.in); pe == nil || !strings.Contains(pe.Problems[tc.key], tc.msg) {
			t.Errorf("CheckPolicy(%v) = %v", tc.in, pe)
		}
	}
	// Raising access past the refresh lifetime is reported at the access field.
	if _, _, err := srv.UpdatePolicy(context.Background(), map[string]string{"refresh_token_ttl": "1h"}, "a"); err != nil {
		t.Fatal(err)
	}
	pe := srv.CheckPolicy(map[string]string{"access_token_ttl": "2h"})
	if pe == nil || pe.Problems["access_token_ttl"] != "must not be longer than the refresh-token lifetime (1h)" {
		t.Fatalf("cross-field: %v", pe)
	}
	if !strings.Contains(pe.Error(), "Access-token lifetime: must not be longer") {
		t.Fatalf("Error() = %q", pe.Error())
	}
	if got := srv.OAuth.Policy().AccessTokenTTL; got != 10*time.Minute {
		t.Fatalf("a refused update changed the policy: %v", got)
	}
	if srv.CheckPolicy(map[string]string{"access_token_ttl": "90s", "token_rate_per_ip": "600/min"}) != nil {
		t.Fatal("valid values refused")
	}
}

func TestPolicyDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"90s": 90 * time.Second, "15m": 15 * time.Minute,
		"1h30m": 90 * time.Minute, "30d": 30 * 24 * time.Hour, "2d12h": 60 * time.Hour} {
		if got, err := server.ParsePolicyDuration(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "10", "m", "1x", "-5m", "1.5h", "9999999d"} {
		if _, err := server.ParsePolicyDuration(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	for d, want := range map[time.Duration]string{90 * time.Minute: "90m", 48 * time.Hour: "2d", 36 * time.Hour: "36h",
		45 * time.Second: "45s", -1: "forever"} {
		if got := server.FormatPolicyDuration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

// The default written another way is not saved.
func TestPolicyDefaultNotPinned(t *testing.T) {
	st, _ := badger.Open(badger.Options{InMemory: true})
	defer st.Close()
	srv := newPolicyServer(t, st, server.Policy{}, nil)
	if _, _, err := srv.UpdatePolicy(context.Background(), map[string]string{"refresh_token_ttl": "720h"}, "a"); err != nil {
		t.Fatal(err)
	}
	if valueOf(srv.Policy(), "refresh_token_ttl").Saved {
		t.Fatal("720h, the default 30d, was pinned")
	}
}
