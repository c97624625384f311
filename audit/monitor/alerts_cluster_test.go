package monitor

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
)

// TestAlertsOnePerCluster: two nodes' Alerts observe the same cluster
// events (one node's arriving late and out of order): only the leader
// raises the brute-force alert, once; the follower lists it from the
// leader's alert.raised event. When the lease moves, the new leader raises
// the next window's alert and the old one stays quiet.
func TestAlertsOnePerCluster(t *testing.T) {
	var aLeads atomic.Bool
	aLeads.Store(true)
	recA, recB := &sink{}, &sink{}
	th := Threshold{Count: 4, Window: time.Minute}
	a := NewAlerts(AlertConfig{Recorder: recA, Node: "a", BruteForce: th, Leader: aLeads.Load})
	b := NewAlerts(AlertConfig{Recorder: recB, Node: "b", BruteForce: th, Leader: func() bool { return !aLeads.Load() }})
	fail := func(at time.Duration, node string) audit.Event {
		return audit.Event{Time: t0.Add(at), Type: audit.LoginFailed, Outcome: audit.Failure, Subject: "alice", Node: node}
	}
	// Each node sees its own two failures at once and the other's later.
	evs := []audit.Event{fail(0, "a"), fail(2*time.Second, "a"), fail(time.Second, "b"), fail(3*time.Second, "b")}
	for _, e := range evs {
		a.Observe(e)
	}
	for _, e := range []audit.Event{evs[2], evs[3], evs[0], evs[1]} {
		b.Observe(e)
	}
	a.Close()
	if got := rules(recA.ev); got[RuleBruteForceAccount] != 1 || len(recA.ev) != 1 {
		t.Fatalf("leader recorded %v, want one brute_force_account alert", got)
	}
	b.Observe(audit.Event{Time: recA.ev[0].Time, Type: audit.AlertRaised, Node: "a", Reason: recA.ev[0].Reason, Details: map[string]any{
		"rule": RuleBruteForceAccount, "key": "alice", "count": float64(4), "message": "4 failed logins"}})
	if r := b.Recent(); len(r) != 1 || r[0].Rule != RuleBruteForceAccount || r[0].Key != "alice" || r[0].Count != 4 {
		t.Fatalf("follower's Recent: %+v", r)
	}

	aLeads.Store(false) // a died; b took the lease over
	for i := range 4 {
		b.Observe(fail(2*time.Minute+time.Duration(i)*time.Second, "b"))
	}
	b.Close()
	if got := rules(recB.ev); got[RuleBruteForceAccount] != 1 || len(recB.ev) != 1 {
		t.Fatalf("the new leader recorded %v, want one brute_force_account alert", got)
	}
}

func rules(evs []audit.Event) map[string]int {
	n := map[string]int{}
	for _, e := range evs {
		n[e.Reason]++
	}
	return n
}
