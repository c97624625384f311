package testsupport

import (
	"context"
	"testing"

	"github.com/latchkey/latchkey/audit"
)

func TestEvents(t *testing.T) {
	var e Events
	ctx := context.Background()
	e.Record(ctx, audit.Event{Type: audit.LoginFailed, Reason: "a"})
	e.Record(ctx, audit.Event{Type: audit.LoginSucceeded})
	e.Record(ctx, audit.Event{Type: audit.LoginFailed, Reason: "b"})
	if got := e.Of(audit.LoginFailed); len(got) != 2 || got[0].Reason != "a" || got[1].Reason != "b" {
		t.Fatalf("Of: %+v", got)
	}
	if last, ok := e.Last(audit.LoginFailed); !ok || last.Reason != "b" {
		t.Fatalf("Last: %+v %v", last, ok)
	}
	e.Reset()
	if _, ok := e.Last(audit.LoginFailed); ok || e.String() != "[]" {
		t.Fatalf("after Reset: %s", e.String())
	}
}
