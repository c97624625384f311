package oauth

import (
	"net/http/httptest"
	"testing"
)

// TestSharedHeaderValues: the header values writeJSON shares between
// responses survive a handler that adds to them on one response.
func TestSharedHeaderValues(t *testing.T) {
	first := httptest.NewRecorder()
	writeJSON(first, 200, map[string]string{"a": "b"})
	first.Header().Add("Cache-Control", "private")
	first.Header().Add("Content-Type", "charset=x")
	first.Header().Add("Pragma", "x")
	second := httptest.NewRecorder()
	writeJSON(second, 200, map[string]string{"a": "b"})
	h := second.Header()
	for k, want := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache", "Content-Type": "application/json"} {
		if got := h.Values(k); len(got) != 1 || got[0] != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
}
