package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore/server"
)

// consoleCall posts args to /console/api/<method> from loopback with the
// given Authorization (none when empty).
func consoleCall(h http.Handler, method, authz, args string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/console/api/"+method, strings.NewReader(args))
	r.RemoteAddr, r.Host = "127.0.0.1:5000", "127.0.0.1:8421"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Origin", "http://127.0.0.1:8421")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// The browser path of the new admin methods (UpdateSettings,
// CheckSettings, Settings, TLSCA, ExportAudit, StartFlow) requires an
// access token with latchkey:admin held by an administrator: without a
// credential 401, a token without the scope 401, a non-admin with the
// scope 403; nothing changes. An administrator's
// update is audited with the administrator as actor, and the event holds
// neither the bearer token nor anything but the values.
func TestConsoleAttackAdminOnlySettingsAndFlows(t *testing.T) {
	a, srv := newAppServer(t)
	if err := app.EnsureConsoleClient(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	h := console(t, a)
	admin, err := a.CreateFirstAdmin(app.UserInput{Username: "root", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	user, err := a.CreateUser(app.UserInput{Username: "bob", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	at := func(sub, scope string) string {
		now := time.Now()
		tok, err := srv.Keys.Sign("", "at+jwt", atClaims{Scope: scope, ClientID: app.ConsoleClientID, RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: sub, Audience: jwt.ClaimStrings{issuer}, ID: sub + scope + "-attack",
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}})
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	calls := map[string]string{
		"UpdateSettings": `[{"values":{"access_token_ttl":"1d","auth_failure_rate":"10/s"}}]`,
		"CheckSettings":  `[{"values":{"access_token_ttl":"1d"}}]`,
		"Settings":       `[]`,
		"TLSCA":          `[]`,
		"ExportAudit":    `[{"types":["admin.action"]}]`,
		"StartFlow":      `[{"flow":"client_credentials","client_id":"x","issuer":"http://169.254.169.254"}]`,
	}
	for _, who := range []struct {
		name, authz string
		status      int
	}{
		{"no credential", "", 401},
		{"token without latchkey:admin", at(admin.ID, "openid profile"), 401},
		{"non-admin with latchkey:admin", at(user.ID, "latchkey:admin"), 403},
		{"forged cli token", "Bearer s3cret-admin-tokeN", 401},
	} {
		for method, args := range calls {
			rec := consoleCall(h, method, who.authz, args)
			if rec.Code != who.status {
				t.Errorf("%s %s: %d, want %d: %s", who.name, method, rec.Code, who.status, rec.Body)
			}
		}
	}
	if s, _ := a.Settings(); settingOf(s, "access_token_ttl").Value != "10m" {
		t.Fatal("a refused caller changed the settings")
	}

	// An administrator may not turn the failed-auth guard off through the
	// browser either: 400 with the field's reason.
	tok := at(admin.ID, "openid latchkey:admin")
	for _, v := range []string{"off", "1000000/s"} {
		rec := consoleCall(h, "UpdateSettings", tok, `[{"values":{"auth_failure_rate":"`+v+`"}}]`)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "Failed client authentications after that") {
			t.Fatalf("auth_failure_rate=%s: %d %s", v, rec.Code, rec.Body)
		}
	}
	rec := consoleCall(h, "UpdateSettings", tok, calls["UpdateSettings"])
	if rec.Code != 200 {
		t.Fatalf("admin update: %d %s", rec.Code, rec.Body)
	}
	filter := app.AuditFilter{Types: []string{string(audit.AdminAction)}, Expr: `details.action == "settings.update"`}
	page, _ := a.QueryAudit(filter)
	for i := 0; len(page.Events) == 0 && i < 50; i++ {
		time.Sleep(20 * time.Millisecond)
		page, _ = a.QueryAudit(filter)
	}
	if len(page.Events) != 1 {
		t.Fatalf("settings.update events: %d", len(page.Events))
	}
	ev := page.Events[0]
	raw, _ := json.Marshal(ev)
	if ev.Actor != "admin:root" || ev.Outcome != audit.Success ||
		!strings.Contains(string(raw), `"access_token_ttl":{"from":"10m","to":"1d"}`) ||
		!strings.Contains(string(raw), `"auth_failure_rate":{"from":"1/s","to":"10/s"}`) {
		t.Fatalf("event: %s", raw)
	}
	if bearer := strings.TrimPrefix(tok, "Bearer "); strings.Contains(string(raw), bearer[:40]) ||
		strings.Contains(string(raw), "s3cret-admin-token") {
		t.Fatalf("the audit event carries a credential: %s", raw)
	}
}

// TLSCA hands out the CA certificate only, whatever else sits in the file
// (a key pasted before or after it), and never reads outside the data
// directory's tls folder.
func TestTLSCAAttackNeverAKey(t *testing.T) {
	dir := t.TempDir()
	tlsDir := filepath.Join(dir, "tls")
	if _, err := server.EnsureAutoTLS(tlsDir, []string{"localhost"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(tlsDir, server.AutoTLSCAFile)
	certPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	key := "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"
	ecKey := "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END EC PRIVATE KEY-----\n"
	if err := os.WriteFile(caFile, []byte(key+string(certPEM)+ecKey), 0o600); err != nil {
		t.Fatal(err)
	}
	a, _ := newAppWith(t, app.Info{Issuer: "https://127.0.0.1:8421", TLS: true, TLSAuto: true, DataDir: dir, Mode: "serve"})
	pemCA, err := a.TLSCA()
	if err != nil || strings.Count(pemCA, "-----BEGIN ") != 1 || !strings.HasPrefix(pemCA, "-----BEGIN CERTIFICATE-----") ||
		strings.Contains(pemCA, "PRIVATE") {
		t.Fatalf("TLSCA: %v\n%s", err, pemCA)
	}
}

// Audit export filter expressions cannot reach gjson's modifiers,
// sub-queries or pipes (no @reverse, @this, #(…), |), are bounded in
// length and conditions, and a pathological glob over a long value
// answers quickly.
func TestExportAuditAttackExpressions(t *testing.T) {
	a := newApp(t)
	for _, expr := range []string{
		`details|@pretty`, `@reverse`, `details.@this`, `details.#(scope%"*")`, `details.scope.#(@this)`,
		`details.scope ~ "x"`, strings.Repeat("a", 1025), strings.Repeat("type && ", 40) + "type",
		`details.scope % "unterminated`, `..type`, `type..x`,
	} {
		_, err := a.ExportAudit(app.AuditFilter{Expr: expr})
		var e *app.Error
		if !asError(err, &e) || e.Status != 400 {
			t.Errorf("expr %.40q: %v, want 400", expr, err)
		}
	}
	// Many stars over a long value: bounded work (match.MatchLimit).
	for range 20 {
		_, _ = a.CreateUser(app.UserInput{Username: "u" + strings.Repeat("a", 60) + time.Now().Format("150405.000000000"), Password: "correct horse battery"})
	}
	start := time.Now()
	_, err := a.ExportAudit(app.AuditFilter{Expr: `details.target % "` + strings.Repeat("*a", 200) + `b"`})
	if err != nil {
		t.Fatalf("glob export: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a pathological glob took %v", d)
	}
}
