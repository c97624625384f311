package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// A write the store refuses (disk almost full, directory gone or
// read-only) is a 503 the console explains, not an internal error.
func TestStoreUnavailableIs503(t *testing.T) {
	status, msg, ok := publicError(fmt.Errorf("badger: write refused: %w", authcore.ErrUnavailable))
	if status != http.StatusServiceUnavailable || !ok || !strings.Contains(msg, "disk") || strings.Contains(msg, "badger") {
		t.Errorf("got %d %q %v", status, msg, ok)
	}
}
