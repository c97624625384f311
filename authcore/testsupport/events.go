package testsupport

import (
	"context"
	"fmt"
	"sync"

	"github.com/latchkey/latchkey/audit"
)

// Events is an audit.Recorder that keeps every event it is given, safe
// for concurrent use. The zero value is ready.
type Events struct {
	mu  sync.Mutex
	all []audit.Event
}

// Record keeps ev.
func (e *Events) Record(_ context.Context, ev audit.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

// Of returns the events of type typ, oldest first.
func (e *Events) Of(typ audit.Type) []audit.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []audit.Event
	for _, ev := range e.all {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// Last returns the most recent event of type typ, if there is one.
func (e *Events) Last(typ audit.Type) (audit.Event, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.all) - 1; i >= 0; i-- {
		if e.all[i].Type == typ {
			return e.all[i], true
		}
	}
	return audit.Event{}, false
}

// Reset forgets every event kept so far.
func (e *Events) Reset() {
	e.mu.Lock()
	e.all = nil
	e.mu.Unlock()
}

// String prints every event kept, for failure messages and for checking
// that no secret reached the audit trail.
func (e *Events) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return fmt.Sprintf("%+v", e.all)
}
