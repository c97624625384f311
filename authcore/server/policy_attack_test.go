package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// An administrator (or whoever holds the admin token) cannot save a value
// that turns a protection off: no lifetime of 0, negative, huge or
// wrapped around int64; no "off" or million-a-second failed-auth guard;
// nothing is changed by a refused update.
func TestPolicyAttackBounds(t *testing.T) {
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := newPolicyServer(t, st, server.Policy{}, nil)
	before := srv.OAuth.Policy()
	for _, tc := range []struct{ key, value, msg string }{
		{"access_token_ttl", "0s", "must be from 1m to 1d"},
		{"access_token_ttl", "0", `write a duration like`},
		{"access_token_ttl", "-10m", `write a duration like`},
		{"access_token_ttl", "NaN", `write a duration like`},
		{"access_token_ttl", "Infinity", `write a duration like`},
		{"access_token_ttl", "1e9s", `write a duration like`},
		{"access_token_ttl", "999999d", `write a duration like`}, // overflows int64 ns
		{"access_token_ttl", "99999d", "must be from 1m to 1d"},
		// 2 x 106752d wraps int64 nanoseconds to about 25 minutes.
		{"access_token_ttl", "106752d106752d", `write a duration like`},
		{"refresh_token_ttl", "106752d106752d", `write a duration like`},
		{"lockout_duration", "0s", "must be from 1m to 30d"},
		{"lockout_threshold", "0", "must be from 1 to 100"},
		{"lockout_threshold", "-1", "must be from 1 to 100"},
		{"lockout_threshold", "1e3", "must be a whole number"},
		{"auth_failure_burst", "1001", "must be from 1 to 1000"},
		{"auth_failure_rate", "off", `like "1/s"`},
		{"auth_failure_rate", "OFF", `like "1/s"`},
		{"auth_failure_rate", "0/s", `like "1/s"`},
		{"auth_failure_rate", "-1/s", `like "1/s"`},
		{"auth_failure_rate", "1000000/s", "must be at most 10/s"},
		{"auth_failure_rate", "11/s", "must be at most 10/s"},
		{"auth_failure_rate", "601/m", "must be at most 10/s"},
		{"token_rate_per_client", "0/s", `like "100/s"`},
		{"token_rate_per_client", "1000001/s", `like "100/s"`},
		{"token_rate_per_ip", "NaN/s", `like "100/s"`},
		{"audit_retention", "forever", `write a duration like`},
		{"audit_retention", "0s", "must be from 1d to 3650d"},
	} {
		in := map[string]string{tc.key: tc.value}
		_, _, err := srv.UpdatePolicy(context.Background(), in, "mallory")
		var pe *server.PolicyError
		if !errors.As(err, &pe) || !strings.Contains(pe.Problems[tc.key], tc.msg) {
			t.Errorf("%s=%q: %v, want %q", tc.key, tc.value, err, tc.msg)
		}
	}
	if after := srv.OAuth.Policy(); after != before {
		t.Fatalf("refused updates changed the policy: %+v -> %+v", before, after)
	}
	// The cap itself, in any unit, is accepted.
	for _, v := range []string{"10/s", "600/m", "1/h"} {
		if pe := srv.CheckPolicy(map[string]string{"auth_failure_rate": v}); pe != nil {
			t.Errorf("auth_failure_rate=%s refused: %v", v, pe)
		}
	}
	if got, err := server.ParsePolicyDuration("106752d106752d"); err == nil {
		t.Fatalf("a wrapping duration parsed as %v", got)
	}
}

// A saved document that does not validate (written by hand, by another
// version, or corrupted) fails safe: the server starts with the defaults,
// and the audit retention read before the server exists is not taken
// from it either (a "1s" retention would prune the audit log at once).
func TestPolicyAttackBadSavedDocument(t *testing.T) {
	ctx := context.Background()
	for name, raw := range map[string]string{
		"retention of a second":  `{"version":1,"values":{"audit_retention":"1s"}}`,
		"retention of zero":      `{"version":1,"values":{"audit_retention":"0s"}}`,
		"no access-token expiry": `{"version":1,"values":{"access_token_ttl":"0s","audit_retention":"1s"}}`,
		"guard off":              `{"version":1,"values":{"auth_failure_rate":"off"}}`,
		"guard in all but name":  `{"version":1,"values":{"auth_failure_rate":"1000000/s"}}`,
		"wrapped lifetime":       `{"version":1,"values":{"access_token_ttl":"106752d106752d"}}`,
		"unknown version":        `{"version":2,"values":{"access_token_ttl":"1d","audit_retention":"1d"}}`,
		"not JSON":               `{"version":1,"values":`,
		"values not strings":     `{"version":1,"values":{"access_token_ttl":0}}`,
	} {
		t.Run(name, func(t *testing.T) {
			st, err := badger.Open(badger.Options{InMemory: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.PutSetting(ctx, server.PolicySetting, []byte(raw)); err != nil {
				t.Fatal(err)
			}
			if d, ok := server.SavedAuditRetention(ctx, st); ok {
				t.Fatalf("SavedAuditRetention = %v from a document the server ignores", d)
			}
			srv := newPolicyServer(t, st, server.Policy{}, nil)
			op := srv.OAuth.Policy()
			if op.AccessTokenTTL != 10*time.Minute || op.AuthFailureRate != rate.Limit(1) {
				t.Fatalf("policy in force: %+v, want the defaults", op)
			}
			for _, v := range srv.Policy().Values {
				if v.Saved {
					t.Fatalf("%s shown as saved from a rejected document", v.Key)
				}
			}
		})
	}
	// A valid saved retention is still honoured before the server starts.
	st, _ := badger.Open(badger.Options{InMemory: true})
	defer st.Close()
	_ = st.PutSetting(ctx, server.PolicySetting, []byte(`{"version":1,"values":{"audit_retention":"2d"}}`))
	if d, ok := server.SavedAuditRetention(ctx, st); !ok || d != 48*time.Hour {
		t.Fatalf("valid saved retention: %v %v", d, ok)
	}
}
