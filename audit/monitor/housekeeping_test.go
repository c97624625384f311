package monitor

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestHousekeepingSeriesAndClockAlert(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := NewHousekeeping(reg)
	h.Collected(7, nil)
	h.Collected(2, errors.New("disk"))
	h.ClockJumped(-3 * time.Hour)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		got[mf.GetName()] = mf.GetMetric()[0].GetCounter().GetValue()
	}
	want := map[string]float64{"latchkey_gc_removed_total": 9, "latchkey_gc_failures_total": 1, "latchkey_clock_jumps_total": 1}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s = %v, want %v", name, got[name], v)
		}
	}

	rec := &sink{}
	a := NewAlerts(AlertConfig{Recorder: rec, Now: func() time.Time { return t0 }})
	a.ClockJumped(-3 * time.Hour)
	a.Close()
	alerts := a.Recent()
	if len(alerts) != 1 || alerts[0].Rule != RuleClockJump || !strings.Contains(alerts[0].Message, "3h0m0s back") {
		t.Fatalf("alerts: %+v", alerts)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.ev) != 1 || rec.ev[0].Details["rule"] != RuleClockJump {
		t.Errorf("alert.raised events: %+v", rec.ev)
	}
}
