package app_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/server"
)

func settingOf(s app.Settings, key string) app.Setting {
	for _, v := range s.Policy {
		if v.Key == key {
			return v
		}
	}
	return app.Setting{}
}

// clientToken asks srv's /token for a client_credentials token and
// returns the status, error code and the token's exp - iat.
func clientToken(t *testing.T, h http.Handler, id, secret string) (int, string, int64) {
	t.Helper()
	r := httptest.NewRequest("POST", "/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(id, secret)
	r.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var body struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if body.AccessToken == "" {
		return rec.Code, body.Error, 0
	}
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(body.AccessToken, &c); err != nil {
		t.Fatal(err)
	}
	return rec.Code, "", c.ExpiresAt.Unix() - c.IssuedAt.Unix()
}

// A change made in Settings applies to the next /token request, with no
// restart, and is audited with the actor and each change.
func TestUpdateSettingsAppliesLive(t *testing.T) {
	a, srv := newAppServer(t)
	c, err := a.CreateClient(app.ClientInput{Name: "svc", Type: "confidential",
		GrantTypes: []string{authcore.GrantClientCredentials}})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	if code, e, life := clientToken(t, h, c.ID, c.Secret); code != 200 || life != 600 {
		t.Fatalf("before: %d %s exp-iat %d", code, e, life)
	}
	s, err := a.Settings()
	if err != nil {
		t.Fatal(err)
	}
	if v := settingOf(s, "access_token_ttl"); v.Value != "10m" || v.Source != "built-in" || v.Min != "1m" || v.Max != "1d" {
		t.Fatalf("access_token_ttl: %+v", v)
	}
	if s.Instance.Issuer != issuer || s.Instance.TLS.Mode != "off" || s.Instance.TLS.CAAvailable || len(s.Instance.SigningAlgorithms) == 0 {
		t.Fatalf("instance facts: %+v", s.Instance)
	}
	s, err = a.UpdateSettings(app.SettingsInput{Values: map[string]string{"access_token_ttl": "2m", "token_rate_per_client": "1/m"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Changed) != 2 || s.Changed[0].Key != "access_token_ttl" || s.Changed[0].From != "10m" || s.Changed[0].To != "2m" {
		t.Fatalf("changed: %+v", s.Changed)
	}
	if v := settingOf(s, "access_token_ttl"); v.Value != "2m" || v.Source != "saved" || v.Default != "10m" {
		t.Fatalf("after update: %+v", v)
	}
	// 1/m allows a burst of 2, then 429.
	for i, want := range []int{200, 200, 429} {
		code, e, life := clientToken(t, h, c.ID, c.Secret)
		if code != want || (code == 200 && life != 120) || (code == 429 && e != "temporarily_unavailable") {
			t.Fatalf("request %d: %d %s exp-iat %d", i, code, e, life)
		}
	}
	page, _ := a.QueryAudit(app.AuditFilter{Types: []string{string(audit.AdminAction)}, Expr: `details.action == "settings.update"`})
	for i := 0; len(page.Events) == 0 && i < 50; i++ {
		time.Sleep(20 * time.Millisecond)
		page, _ = a.QueryAudit(app.AuditFilter{Types: []string{string(audit.AdminAction)}, Expr: `details.action == "settings.update"`})
	}
	if len(page.Events) != 1 {
		t.Fatalf("settings.update events: %+v", page.Events)
	}
	ev := page.Events[0]
	raw, _ := json.Marshal(ev.Details["changes"])
	if ev.Actor != "local:serve" || !strings.Contains(string(raw), `"access_token_ttl":{"from":"10m","to":"2m"}`) {
		t.Fatalf("event: actor %q changes %s", ev.Actor, raw)
	}
}

// Refused values say why, at their field, and change nothing.
func TestUpdateSettingsRefusesBadValues(t *testing.T) {
	a := newApp(t)
	problems, err := a.CheckSettings(app.SettingsInput{Values: map[string]string{"access_token_ttl": "48h", "lockout_threshold": "3"}})
	if err != nil || len(problems) != 1 || problems["access_token_ttl"] != "must be from 1m to 1d" {
		t.Fatalf("CheckSettings: %v %v", problems, err)
	}
	_, err = a.UpdateSettings(app.SettingsInput{Values: map[string]string{"access_token_ttl": "48h"}})
	var e *app.Error
	if !asError(err, &e) || e.Status != 400 || e.Message != "Access-token lifetime: must be from 1m to 1d" {
		t.Fatalf("UpdateSettings: %v", err)
	}
	if _, err := a.UpdateSettings(app.SettingsInput{}); err == nil {
		t.Fatal("empty update accepted")
	}
	if s, _ := a.Settings(); settingOf(s, "access_token_ttl").Value != "10m" || settingOf(s, "lockout_threshold").Value != "5" {
		t.Fatal("a refused update changed something")
	}
}

// The local CA is offered as its certificate alone, and only when it
// exists.
func TestTLSCA(t *testing.T) {
	dir := t.TempDir()
	a, _ := newAppWith(t, app.Info{Issuer: "https://127.0.0.1:8421", TLS: true, TLSAuto: true, DataDir: dir, Mode: "serve"})
	var e *app.Error
	if _, err := a.TLSCA(); !asError(err, &e) || e.Status != 404 {
		t.Fatalf("no CA yet: %v", err)
	}
	if _, err := server.EnsureAutoTLS(filepath.Join(dir, "tls"), []string{"localhost"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	pemCA, err := a.TLSCA()
	if err != nil || !strings.HasPrefix(pemCA, "-----BEGIN CERTIFICATE-----") || strings.Contains(pemCA, "KEY") {
		t.Fatalf("TLSCA: %v\n%s", err, pemCA)
	}
	s, _ := a.Settings()
	if tf := s.Instance.TLS; !tf.CAAvailable || tf.Mode != "auto" || len(tf.CAFingerprint) != 64 || tf.CANotAfter == "" {
		t.Fatalf("TLS facts: %+v", tf)
	}
}

func asError(err error, target **app.Error) bool { return errors.As(err, target) }
