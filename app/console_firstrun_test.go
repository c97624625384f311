package app_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore/login"
)

// firstRunOpen asks the console's config, from loopback, whether it
// offers the first-run screen, and tries CreateFirstAdmin without a
// credential; it reports both.
func firstRunOpen(t *testing.T, c *adminConsole, name string) (offered bool, status int) {
	t.Helper()
	r := httptest.NewRequest("GET", "/console/api/config", nil)
	r.RemoteAddr = "127.0.0.1:1"
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, r)
	var cfg struct {
		FirstRun bool `json:"first_run"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &cfg); err != nil {
		t.Fatal(err)
	}
	body := `[{"username":"` + name + `","password":"correct horse battery"}]`
	return cfg.FirstRun, consoleCall(c.h, "CreateFirstAdmin", "", body).Code
}

// First run happens once (issue 16, broken 3): once an administrator
// exists the store says so, and the first-run screen stays closed when
// every administrator is disabled or gone. The last enabled administrator
// cannot be disabled, from the console or the CLI path; recovery is the
// CLI's (a new admin, or enabling one).
func TestConsoleAttackFirstRunOnce(t *testing.T) {
	c := newAdminConsole(t)
	ctx := context.Background()
	cli := "Bearer s3cret-admin-token"
	if offered, status := firstRunOpen(t, c, "eve"); offered || status != 403 {
		t.Fatalf("first run with an administrator: offered %v, CreateFirstAdmin %d", offered, status)
	}

	// The last enabled administrator stays, whoever asks.
	adminTok := "Bearer " + c.token(c.admin.ID, nil)
	for who, authz := range map[string]string{"console admin": adminTok, "cli": cli} {
		rec := consoleCall(c.h, "SetUserDisabled", authz, `["root", true]`)
		if rec.Code != 409 || !strings.Contains(rec.Body.String(), "last enabled administrator") {
			t.Errorf("%s disabled the last administrator: %d %s", who, rec.Code, rec.Body)
		}
	}
	if u, _ := c.a.GetUser("root"); u.Disabled {
		t.Fatal("root is disabled")
	}
	// With a second administrator, either may go, but not both.
	if _, err := c.a.CreateUser(app.UserInput{Username: "ops", Password: "correct horse battery", Admin: true}); err != nil {
		t.Fatal(err)
	}
	if rec := consoleCall(c.h, "SetUserDisabled", cli, `["ops", true]`); rec.Code != 200 {
		t.Fatalf("disable a second administrator: %d %s", rec.Code, rec.Body)
	}
	if rec := consoleCall(c.h, "SetUserDisabled", cli, `["root", true]`); rec.Code != 409 {
		t.Fatalf("disabled the last enabled administrator: %d %s", rec.Code, rec.Body)
	}
	// A non-admin user is disabled as before.
	if _, err := c.a.CreateUser(app.UserInput{Username: "bob", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.a.SetUserDisabled("bob", true); err != nil {
		t.Fatalf("disable a user: %v", err)
	}

	// Every administrator disabled behind the console's back (an older
	// version, or the store edited): first run stays over.
	root, err := c.srv.Store.GetUserByUsername(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.srv.Login.SetDisabled(ctx, root.ID, true); err != nil {
		t.Fatal(err)
	}
	if offered, status := firstRunOpen(t, c, "eve"); offered || status != 403 {
		t.Fatalf("first run with every administrator disabled: offered %v, CreateFirstAdmin %d", offered, status)
	}
	// Recovery on the host: the CLI enables an administrator again.
	if rec := consoleCall(c.h, "SetUserDisabled", cli, `["root", false]`); rec.Code != 200 {
		t.Fatalf("CLI enable: %d %s", rec.Code, rec.Body)
	}
	if _, err := c.srv.Store.GetUserByUsername(ctx, "eve"); err == nil {
		t.Fatal("a first-run administrator was created")
	}
}

// An installation from before the first-run mark gets it when it opens
// (EnsureConsoleClient), so removing its administrators later does not
// reopen first run; without any administrator ever, first run is open.
func TestConsoleAttackFirstRunMarkAtOpen(t *testing.T) {
	a, srv := newAppServer(t)
	ctx := context.Background()
	c := &adminConsole{t: t, a: a, srv: srv, h: console(t, a)}
	if offered, _ := firstRunOpen(t, c, ""); !offered {
		t.Fatal("a new server does not offer first run")
	}
	old, err := srv.Login.CreateUser(ctx, login.UserSpec{Username: "legacy", Password: "correct horse battery", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.EnsureConsoleClient(ctx, srv); err != nil {
		t.Fatal(err)
	}
	if v, err := srv.Store.GetSetting(ctx, app.FirstRunSetting); err != nil || len(v) == 0 {
		t.Fatalf("no first-run mark at open: %q %v", v, err)
	}
	if err := srv.Store.DeleteUser(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	if offered, status := firstRunOpen(t, c, "eve"); offered || status != 403 {
		t.Fatalf("first run after the last administrator was removed: offered %v, CreateFirstAdmin %d", offered, status)
	}
	// The CLI can still make an administrator.
	rec := consoleCall(c.h, "CreateUser", "Bearer s3cret-admin-token", `[{"username":"new-root","password":"correct horse battery","admin":true}]`)
	if rec.Code != 200 {
		t.Fatalf("CLI recovery: %d %s", rec.Code, rec.Body)
	}
}
