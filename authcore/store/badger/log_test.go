package badger

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"
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
