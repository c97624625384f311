package badger

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
)

// TestBadgerLogsAtDebug: Badger's informational chatter (it logs on every
// open and close) reaches zerolog at debug, tagged, and not at info.
func TestBadgerLogsAtDebug(t *testing.T) {
	for level, wantLines := range map[zerolog.Level]bool{zerolog.InfoLevel: false, zerolog.DebugLevel: true} {
		var buf bytes.Buffer
		s, err := Open(Options{Dir: t.TempDir(), Logger: zerolog.New(&buf).Level(level)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		got := buf.String()
		if wantLines && !strings.Contains(got, `"component":"badger"`) {
			t.Errorf("%v: no Badger lines at debug:\n%s", level, got)
		}
		if !wantLines && got != "" {
			t.Errorf("%v: Badger logged at info or above:\n%s", level, got)
		}
	}
}

// TestRunGC: the loop collects with the store's clock. IsRevoked checks
// only that the key exists, so it turns false only when the (not yet
// TTL-expired) revocation has really been deleted.
func TestRunGC(t *testing.T) {
	now := time.Now()
	s := openTest(t, Options{InMemory: true, Now: func() time.Time { return now.Add(2 * time.Hour) }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "j", ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.RunGC(ctx, time.Millisecond); close(done) }()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if revoked, _ := s.IsRevoked(ctx, "j"); !revoked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("RunGC did not collect the expired revocation")
		}
	}
	cancel()
	<-done
}
