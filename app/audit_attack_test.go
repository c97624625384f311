package app_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app"
)

// The console API answers 400 for a cursor Latchkey did not issue (one
// bit flipped, garbage) and for a limit outside 1..1000, instead of
// reading from a forged position or clamping the limit silently.
func TestConsoleAttackAuditCursorAndLimit(t *testing.T) {
	a := newApp(t)
	for _, name := range []string{"a:read", "b:read", "c:read"} {
		if _, err := a.CreateScope(name, "test"); err != nil {
			t.Fatal(err)
		}
	}
	h := console(t, a)
	call := func(filter string) (int, string) {
		rec := consoleCall(h, "QueryAudit", "Bearer s3cret-admin-token", "["+filter+"]")
		return rec.Code, rec.Body.String()
	}
	var next string
	for i := 0; next == "" && i < 50; i++ { // events are written asynchronously
		code, body := call(`{"limit":1}`)
		var page struct{ Result app.AuditPage }
		if err := json.Unmarshal([]byte(body), &page); err != nil || code != 200 {
			t.Fatalf("first page: %d %s", code, body)
		}
		if next = page.Result.Next; next == "" {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if next == "" {
		t.Fatal("no second page")
	}
	if code, body := call(`{"limit":1,"cursor":"` + next + `"}`); code != 200 {
		t.Fatalf("valid cursor: %d %s", code, body)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(next)
	raw[8] ^= 0x01 // a position a few seconds away
	flipped := base64.RawURLEncoding.EncodeToString(raw)
	for _, tc := range []struct{ name, filter, msg string }{
		{"flipped cursor", `{"cursor":"` + flipped + `"}`, "bad cursor"},
		{"garbage cursor", `{"cursor":"v1/ev/"}`, "bad cursor"},
		{"limit too large", `{"limit":1001}`, "limit must be between 1 and 1000"},
		{"negative limit", `{"limit":-5}`, "limit must be between 1 and 1000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := call(tc.filter); code != http.StatusBadRequest || !strings.Contains(body, tc.msg) {
				t.Fatalf("%s: %d %s", tc.filter, code, body)
			}
		})
	}
}
