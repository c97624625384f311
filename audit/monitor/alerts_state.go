package monitor

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/latchkey/latchkey/audit"
)

// maxTracked bounds the keys held for threshold rules; past it, keys with
// no hit inside their window are forgotten.
const maxTracked = 10000

// count records one hit for rule/key at t and fires when th.Count hits
// fall within th.Window.
func (a *Alerts) count(rule, key string, th Threshold, t time.Time, format string) {
	if th.Count <= 0 || (key == "" && rule != RuleInvalidClient) {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	k := rule + "/" + key
	// Other nodes' events arrive a few seconds late (AddClusterObserver):
	// keep the hits in time order.
	h := append(a.hits[k], t)
	slices.SortStableFunc(h, time.Time.Compare)
	if len(h) > th.Count {
		h = h[len(h)-th.Count:]
	}
	a.hits[k] = h
	if len(a.hits) > maxTracked {
		a.forget(t, th.Window)
	}
	last := h[len(h)-1]
	if len(h) < th.Count || last.Sub(h[0]) > th.Window || last.Before(a.quiet[k]) {
		return
	}
	a.quiet[k] = last.Add(th.Window)
	if !a.leads() {
		return // the leader raises it
	}
	a.fireLocked(Alert{Time: t, Rule: rule, Key: key, Count: len(h),
		Message: fmt.Sprintf("%d "+format+" within %s", len(h), key, th.Window)})
}

// forget drops tracked keys whose newest hit is older than window.
func (a *Alerts) forget(now time.Time, window time.Duration) {
	for k, h := range a.hits {
		if now.Sub(h[len(h)-1]) > window {
			delete(a.hits, k)
			delete(a.quiet, k)
		}
	}
}

func (a *Alerts) fire(al Alert) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fireLocked(al)
}

// fireLocked keeps al in the recent list and hands it to the emitter. If
// the emitter is 1024 alerts behind, the alert stays in Recent and the
// loss of its event is logged.
func (a *Alerts) fireLocked(al Alert) {
	a.keep(al)
	if a.closed {
		a.cfg.Logger.Error().Str("rule", al.Rule).Msg("monitor: alerts closed, alert event not recorded")
		return
	}
	select {
	case a.out <- al:
	default:
		a.cfg.Logger.Error().Str("rule", al.Rule).Msg("monitor: alert backlog full, alert event not recorded")
	}
}

// keep adds al to the recent list, dropping the oldest past Keep.
func (a *Alerts) keep(al Alert) {
	a.recent = append(a.recent, al)
	if len(a.recent) > a.cfg.Keep {
		a.recent = a.recent[len(a.recent)-a.cfg.Keep:]
	}
}

// emit records alert.raised events off the observer path.
func (a *Alerts) emit() {
	defer close(a.done)
	for al := range a.out {
		a.cfg.Recorder.Record(context.Background(), audit.Event{
			Time: al.Time, Type: audit.AlertRaised, Outcome: audit.Failure, Actor: "latchkey",
			Reason: al.Rule, KeyID: keyID(al), Subject: subject(al), RemoteIP: ip(al),
			Details: map[string]any{"rule": al.Rule, "key": al.Key, "count": al.Count, "message": al.Message},
		})
		if a.cfg.OnAlert != nil {
			a.cfg.OnAlert(al)
		}
	}
}

func keyID(al Alert) string   { return pick(al, RuleKeyAge) }
func subject(al Alert) string { return pick(al, RuleBruteForceAccount) }
func ip(al Alert) string      { return pick(al, RuleBruteForceIP) }

func pick(al Alert, rule string) string {
	if al.Rule == rule {
		return al.Key
	}
	return ""
}

// Recent returns the most recent alerts, newest first.
func (a *Alerts) Recent() []Alert {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Alert, len(a.recent))
	for i, al := range a.recent {
		out[len(out)-1-i] = al
	}
	return out
}

// Close stops the emitter after recording the alerts already fired. Call
// it after the audit log stops delivering events (or before closing it,
// so that the last alerts are recorded).
func (a *Alerts) Close() {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.out)
	}
	a.mu.Unlock()
	<-a.done
}
