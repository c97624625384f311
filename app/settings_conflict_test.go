package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app"
)

// TestSettingsSaveFromStaleRevision: two administrators load the
// Settings screen (revision r); the first saves, the second's save from
// r is refused with 409 and the console's "changed elsewhere" words,
// and changes nothing. Reloaded, the second saves from the new revision.
func TestSettingsSaveFromStaleRevision(t *testing.T) {
	c := newAdminConsole(t)
	a, h, tok := c.a, c.h, c.token(c.admin.ID, nil)
	loaded, err := a.Settings()
	if err != nil {
		t.Fatal(err)
	}
	save := func(ttl string, rev int64) (int, string) {
		rec := consoleCall(h, "UpdateSettings", "Bearer "+tok, fmt.Sprintf(`[{"values":{"access_token_ttl":%q},"revision":%d}]`, ttl, rev))
		return rec.Code, rec.Body.String()
	}
	if code, body := save("5m", loaded.Revision); code != 200 {
		t.Fatalf("first save: %d %s", code, body)
	}
	code, body := save("7m", loaded.Revision)
	var answer struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &answer)
	if code != 409 || answer.Error != app.SettingsChangedMessage {
		t.Fatalf("save from the stale revision: %d %s; want 409 %q", code, body, app.SettingsChangedMessage)
	}
	now2, _ := a.Settings()
	if v := settingOf(now2, "access_token_ttl").Value; v != "5m" || now2.Revision != loaded.Revision+1 {
		t.Fatalf("after the refused save: access_token_ttl %s, revision %d; want 5m, %d", v, now2.Revision, loaded.Revision+1)
	}
	if code, body := save("7m", now2.Revision); code != 200 || !strings.Contains(body, `"revision":`+fmt.Sprint(now2.Revision+1)) {
		t.Fatalf("save after reloading: %d %s", code, body)
	}
}
