package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/audit/monitor"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// restoreRevocations reports a damaged write-ahead log found at open (log
// line, metric, Dashboard alert) and applies again every revocation the
// audit log holds and the store lost, recording how many. It runs at every
// start: a log removed whole leaves no trace for the damage check to see.
func (s *state) restoreRevocations(log zerolog.Logger) error {
	lost := prometheus.NewGauge(prometheus.GaugeOpts{Name: "latchkey_store_log_damaged_bytes",
		Help: "Bytes at the end of the store's write-ahead log that could not be read at the last start."})
	restored := prometheus.NewGauge(prometheus.GaugeOpts{Name: "latchkey_revocations_restored",
		Help: "Revocations applied again from the audit log at the last start."})
	s.metrics.Registry().MustRegister(lost, restored)
	var damage []badger.LogDamage
	if b, ok := s.store.(*badger.Store); ok { // PostgreSQL has no log of ours to check
		damage = b.LogDamage()
	}
	for _, d := range damage {
		lost.Add(float64(d.Lost))
		s.alerts.Raise(monitor.RuleStoreDamaged, d.File, fmt.Sprintf(
			"the end of the store's write-ahead log %s could not be read (%d bytes after byte %d): a crash mid-write or damage; revocations are restored from the audit log, other recent changes may be lost",
			d.File, d.Lost, d.Kept))
	}
	ctx := context.Background()
	events, err := revocationEvents(ctx, s.audit)
	if err != nil {
		return fmt.Errorf("read revocations from the audit log: %w", err)
	}
	r, err := server.RestoreRevocations(ctx, s.store, events, time.Now())
	if err != nil {
		return fmt.Errorf("restore revocations from the audit log: %w", err)
	}
	restored.Set(float64(r.Total()))
	if r.Total() == 0 {
		return nil
	}
	msg := fmt.Sprintf("%d revocations recorded in the audit log were missing from the store and were applied again (%d access tokens, %d grants)",
		r.Total(), r.AccessTokens, r.Grants)
	log.Warn().Int("access_tokens", r.AccessTokens).Int("grants", r.Grants).Msg(msg)
	s.alerts.Raise(monitor.RuleStoreDamaged, "revocations", msg)
	return s.audit.RecordSync(ctx, audit.Event{Type: audit.RevocationsRestored, Outcome: audit.Success, Actor: "latchkey",
		Reason: "missing from the store at start", Details: map[string]any{"access_tokens": r.AccessTokens, "grants": r.Grants}})
}

// revocationEvents reads every revocation event the audit log holds.
func revocationEvents(ctx context.Context, l *audit.Log) ([]audit.Event, error) {
	var out []audit.Event
	f := audit.Filter{Types: server.RevocationEvents, Limit: audit.MaxLimit}
	for {
		page, err := l.Query(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Entries {
			out = append(out, e.Event)
		}
		if page.Next == "" || len(page.Entries) == 0 {
			return out, nil
		}
		f.Cursor = page.Next
	}
}
