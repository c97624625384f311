package monitor

import (
	"context"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
)

// The alert rules observe the log and record into the same log without
// deadlocking its writer.
func TestAlertsRecordIntoTheLogTheyObserve(t *testing.T) {
	log, err := audit.Open(audit.Options{InMemory: true, BufferSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAlerts(AlertConfig{Recorder: log, BruteForce: Threshold{Count: 3, Window: time.Minute}})
	log.AddObserver(a)
	for i := 0; i < 50; i++ {
		log.Record(context.Background(), audit.Event{Type: audit.LoginFailed, Outcome: audit.Failure, Subject: "alice"})
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		page, err := log.Query(context.Background(), audit.Filter{Types: []audit.Type{audit.AlertRaised}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Entries) == 1 && page.Entries[0].Subject == "alice" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alert events: %+v", page.Entries)
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.Close()
	log.Close()
}
