package monitor

import (
	"github.com/latchkey/latchkey/audit"
)

// leads reports whether this node raises the event rules' alerts
// (AlertConfig.Leader).
func (a *Alerts) leads() bool { return a.cfg.Leader == nil || a.cfg.Leader() }

// fireEvent fires an alert an event raised by itself (a reuse), on the
// leading node only.
func (a *Alerts) fireEvent(al Alert) {
	if a.leads() {
		a.fire(al)
	}
}

// seen adds an alert another node raised (its alert.raised event, read
// from the shared log) to Recent, without recording it again.
func (a *Alerts) seen(e audit.Event) {
	if a.cfg.Node == "" || e.Node == "" || e.Node == a.cfg.Node {
		return // this node's own alert is in Recent already
	}
	al := Alert{Time: e.Time, Rule: e.Reason}
	al.Key, _ = e.Details["key"].(string)
	al.Message, _ = e.Details["message"].(string)
	switch n := e.Details["count"].(type) {
	case int:
		al.Count = n
	case float64:
		al.Count = int(n)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keep(al)
}
