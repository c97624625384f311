package app

import (
	"github.com/latchkey/latchkey/audit/monitor"
)

// Series is one chart of the Dashboard: counts per bucket, oldest first.
type Series struct {
	Name   string          `json:"name"`
	Step   int             `json:"step_seconds"`
	Points []monitor.Point `json:"points"`
}

// DashboardSeries returns the in-process time series the Dashboard charts:
// tokens_issued, failures and gateway_traffic, over the last hour at 10 s
// (span "hour") or the last day at 5 min (span "day").
func (a *App) DashboardSeries(span string) ([]Series, error) {
	if a.tl == nil {
		return []Series{}, nil
	}
	sp, step := monitor.LastHour, 10
	switch span {
	case "", "hour":
	case "day":
		sp, step = monitor.LastDay, 300
	default:
		return nil, invalid(`span must be "hour" or "day"`)
	}
	out := []Series{}
	for _, name := range []string{"tokens_issued", "failures", "gateway_traffic"} {
		out = append(out, Series{Name: name, Step: step, Points: nonNil(a.tl.Series(name, sp))})
	}
	return out, nil
}

// RecentAlerts returns the alerts raised lately, newest first.
func (a *App) RecentAlerts() ([]monitor.Alert, error) {
	if a.al == nil {
		return []monitor.Alert{}, nil
	}
	return nonNil(a.al.Recent()), nil
}
