package app_test

import (
	"strings"
	"testing"
)

// ProbeRoute checks a route's upstream on demand; the demo API is served
// in process; an unknown route is a 404 the console shows in words.
func TestProbeRoute(t *testing.T) {
	a, _ := newAppServer(t)
	stats, err := a.GatewayStats()
	if err != nil || len(stats) == 0 {
		t.Fatalf("stats: %+v %v", stats, err)
	}
	r, err := a.ProbeRoute(stats[0].Route)
	if err != nil || r.Health != "up" || r.Target != "in-process" {
		t.Fatalf("probe the demo API: %+v %v", r, err)
	}
	if _, err := a.ProbeRoute("no-such-route"); err == nil || !strings.Contains(err.Error(), "no route") {
		t.Fatalf("unknown route: %v", err)
	}
}
