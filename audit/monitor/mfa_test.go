package monitor

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
)

// TestBruteForceCountsSecondFactors: wrong one-time codes after a right
// password raise the brute-force alerts like wrong passwords do, and a
// mix of both counts together.
func TestBruteForceCountsSecondFactors(t *testing.T) {
	rec := &sink{}
	a := NewAlerts(AlertConfig{Recorder: rec, Now: func() time.Time { return t0 },
		BruteForce: Threshold{Count: 3, Window: time.Minute}, InvalidClient: Threshold{Count: 5, Window: time.Minute}})
	a.Observe(audit.Event{Time: t0, Type: audit.LoginFailed, Outcome: audit.Failure, Subject: "alice", RemoteIP: "192.0.2.1"})
	for i := 1; i <= 2; i++ {
		a.Observe(audit.Event{Time: t0.Add(time.Duration(i) * time.Second), Type: audit.MFAFailed,
			Outcome: audit.Failure, Subject: "alice", RemoteIP: "192.0.2.1"})
	}
	rules := map[string]bool{}
	for _, al := range a.Recent() {
		rules[al.Rule] = true
	}
	if !rules[RuleBruteForceAccount] || !rules[RuleBruteForceIP] {
		t.Fatalf("alerts %+v, want brute force by account and by IP", a.Recent())
	}
}
