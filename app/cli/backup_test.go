package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/authcore/testsupport"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

const backupKeyHex = "34" // repeated: the test installation's data-encryption key

// TestBackupDuringLoadRestores takes `latchkey backup` from a running
// server (over its admin port) while clients refresh tokens and fetch
// client-credentials tokens, restores it into an empty directory, and
// checks the result: the counts match the manifest, the audit log
// verifies, every refresh token rotated before the backup started stays
// spent, a token issued before it still refreshes, and a client secret
// from before the backup still works on a server started on the restore.
func TestBackupDuringLoadRestores(t *testing.T) {
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat(backupKeyHex, 32))
	data := t.TempDir()
	_, in := startInProcess(t, data)
	stopServer := sync.OnceValue(in.stop)
	defer stopServer()
	svc, svcSecret := serviceClient(t, in)
	web, webSecret := webClient(t, in)
	rtA0 := firstRefreshToken(t, in, web.ID, webSecret)
	rtA1 := mustRefresh(t, in.issuer, web.ID, webSecret, rtA0) // rtA0 spent before the backup

	// Load: one family rotating as fast as it can, client credentials beside it.
	var mu sync.Mutex
	var spent []string // rotated (so spent) tokens of family B, in order
	rtB := firstRefreshToken(t, in, web.ID, webSecret)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for cur := rtB; ; {
			select {
			case <-stop:
				return
			default:
			}
			code, next := refresh(in.issuer, web.ID, webSecret, cur)
			if code != http.StatusOK {
				t.Errorf("refresh under load: %d", code)
				return
			}
			mu.Lock()
			spent = append(spent, cur)
			mu.Unlock()
			cur = next
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if code := tokenStatus(in.issuer, svc.ID, svcSecret); code != http.StatusOK {
				t.Errorf("client credentials under load: %d", code)
				return
			}
		}
	}()
	for { // let the load get going
		mu.Lock()
		n := len(spent)
		mu.Unlock()
		if n >= 5 {
			break
		}
	}
	mu.Lock()
	spentBefore := append([]string(nil), spent...)
	mu.Unlock()
	file := filepath.Join(t.TempDir(), "latchkey.backup")
	code, out, errOut := runCLI(t, "", "backup", "--to", file, "--data", data)
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Fatalf("backup: %d %s", code, errOut)
	}
	manifest := parseManifest(t, out)
	mu.Lock()
	t.Logf("backup under load: %d rotations before it started, %d by the end; manifest %v", len(spentBefore), len(spent), manifest)
	mu.Unlock()
	raw, err := os.ReadFile(file)
	must(t, err)
	for _, secret := range []string{svcSecret, webSecret, rtA1, spentBefore[0]} {
		if strings.Contains(string(raw), secret) {
			t.Fatal("a secret is readable in the backup file")
		}
	}
	if err := stopServer(); err != nil {
		t.Fatal(err)
	}

	restored := t.TempDir()
	code, out, errOut = runCLI(t, "", "restore", "--from", file, "--data", restored)
	if code != 0 || !strings.Contains(out, "verified\t") {
		t.Fatalf("restore: %d %s %s", code, out, errOut)
	}
	st, err := badger.Open(badger.Options{Dir: filepath.Join(restored, "store"), EncryptionKey: []byte(strings.Repeat("\x34", 32))})
	must(t, err)
	counts, err := st.Counts()
	must(t, err)
	must(t, st.Close())
	for k, n := range counts {
		if manifest[k] != n {
			t.Errorf("restored %d %s, the manifest says %d", n, k, manifest[k])
		}
	}
	if manifest["rt"] == 0 || manifest["client"] < 3 || manifest["audit events"] == 0 {
		t.Errorf("the manifest misses what the load wrote: %v", manifest)
	}
	if code, _, errOut := runCLI(t, "", "restore", "--from", file, "--data", restored); code == 0 || !strings.Contains(errOut, "not empty") {
		t.Errorf("restore into a non-empty directory: %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "audit", "verify", "--data", restored); code != 0 {
		t.Errorf("audit verify of the restore: %d %s", code, errOut)
	}

	_, in2 := startInProcess(t, restored)
	defer in2.stop()
	clientCredentials(t, in2.issuer, svc.ID, svcSecret) // the secret from before the backup
	rtA2 := mustRefresh(t, in2.issuer, web.ID, webSecret, rtA1)
	for i, rt := range append([]string{rtA0}, spentBefore...) {
		if code, _ := refresh(in2.issuer, web.ID, webSecret, rt); code != http.StatusBadRequest {
			t.Errorf("refresh token %d, spent before the backup, refreshed on the restore: %d", i, code)
		}
	}
	// rtA0 was refused as spent (a reuse, which revokes its family), not
	// as unknown: the family's newest token is refused now too.
	if code, _ := refresh(in2.issuer, web.ID, webSecret, rtA2); code != http.StatusBadRequest {
		t.Errorf("the restore does not know rtA0 was spent: its family survived its reuse (%d)", code)
	}
}

// TestRestoreRefusals: another key, a changed byte and a missing key
// restore nothing and leave the directory as it was.
func TestRestoreRefusals(t *testing.T) {
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat(backupKeyHex, 32))
	data := t.TempDir()
	_, in := startInProcess(t, data)
	serviceClient(t, in)
	must(t, in.stop())
	file := filepath.Join(t.TempDir(), "b")
	if code, _, errOut := runCLI(t, "", "backup", "--to", file, "--data", data); code != 0 { // offline: no server holds data
		t.Fatalf("backup: %s", errOut)
	}
	raw, err := os.ReadFile(file)
	must(t, err)
	changed := filepath.Join(t.TempDir(), "changed")
	raw[len(raw)/2] ^= 1
	must(t, os.WriteFile(changed, raw, 0o600))
	for name, c := range map[string]struct {
		key, file, want string
	}{
		"another key":    {strings.Repeat("56", 32), file, "cannot decrypt"},
		"a changed byte": {strings.Repeat(backupKeyHex, 32), changed, "cannot decrypt"},
		"no key":         {"", file, "data-encryption key"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("LATCHKEY_ENCRYPTION_KEY", c.key)
			dir := t.TempDir()
			code, _, errOut := runCLI(t, "", "restore", "--from", c.file, "--data", dir)
			if code == 0 || !strings.Contains(errOut, c.want) {
				t.Errorf("restore: %d %s", code, errOut)
			}
			if ents, _ := os.ReadDir(dir); len(ents) > 0 {
				t.Errorf("a refused restore left %v", ents)
			}
		})
	}
}

// webClient registers a confidential authorization-code client with
// refresh tokens.
func webClient(t *testing.T, in *instance) (authcore.Client, string) {
	t.Helper()
	if _, err := in.srv.Login.CreateUser(context.Background(), login.UserSpec{Username: "alice", Password: "wonderland-42-x"}); err != nil {
		t.Fatal(err)
	}
	c, secret, err := in.srv.OAuth.CreateClient(context.Background(), oauth.ClientSpec{Name: "Shop", Type: authcore.Confidential,
		RedirectURIs: []string{"http://127.0.0.1:9/callback"}, GrantTypes: []string{"authorization_code", "refresh_token"},
		Scopes: []string{"openid", "orders:read", "offline_access"}})
	must(t, err)
	return c, secret
}

// firstRefreshToken signs alice in through the client and returns the
// refresh token of the new grant.
func firstRefreshToken(t *testing.T, in *instance, id, secret string) string {
	t.Helper()
	cfg := oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: "http://127.0.0.1:9/callback",
		Scopes:   []string{"orders:read", "offline_access"},
		Endpoint: oauth2.Endpoint{AuthURL: in.issuer + "/authorize", TokenURL: in.issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	back := testsupport.NewBrowser(t).SignIn(in.issuer, cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "alice", "wonderland-42-x").Redirect
	tok, err := cfg.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v", err)
	}
	return tok.RefreshToken
}

// refresh redeems rt and returns the status and the next refresh token.
func refresh(issuer, id, secret, rt string) (int, string) {
	req, _ := http.NewRequest("POST", issuer+"/token", strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	var body struct {
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.RefreshToken
}

func mustRefresh(t *testing.T, issuer, id, secret, rt string) string {
	t.Helper()
	code, next := refresh(issuer, id, secret, rt)
	if code != http.StatusOK || next == "" {
		t.Fatalf("refresh: %d", code)
	}
	return next
}

// parseManifest reads backup's "kind<TAB>count" lines.
func parseManifest(t *testing.T, out string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(line, "\t")
		if n, err := strconv.Atoi(v); err == nil {
			m[k] = n
		}
	}
	return m
}

// tokenStatus asks for a client-credentials token and returns the status.
func tokenStatus(issuer, id, secret string) int {
	req, _ := http.NewRequest("POST", issuer+"/token", strings.NewReader("grant_type=client_credentials&scope=orders%3Aread"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestBackupRestorePostgres: a backup of a running server on PostgreSQL
// (one REPEATABLE READ read of every table) restores into an empty
// database and data directory; a second restore into that database is
// refused, and a backup of one store kind does not restore into the other.
func TestBackupRestorePostgres(t *testing.T) {
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat(backupKeyHex, 32))
	dsn := pgtest.Schema(t)
	f := serveFlags{addr: "127.0.0.1:0", migrate: true}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error", storeFlags: storeFlags{store: dsn}}
	in, err := start(&f, fstest.MapFS{}, "serve")
	must(t, err)
	stopServer := sync.OnceValue(in.stop)
	defer stopServer()
	svc, secret := serviceClient(t, in)
	clientCredentials(t, in.issuer, svc.ID, secret)
	file := filepath.Join(t.TempDir(), "pg.backup")
	code, out, errOut := runCLI(t, "", "backup", "--to", file, "--data", f.data)
	if code != 0 || !strings.Contains(out, "store\tpostgres") {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	must(t, stopServer())

	if code, _, errOut := runCLI(t, "", "restore", "--from", file, "--data", t.TempDir()); code == 0 || !strings.Contains(errOut, "--store postgres://") {
		t.Errorf("a PostgreSQL backup restored into Badger: %d %s", code, errOut)
	}
	target, data := pgtest.Schema(t), t.TempDir()
	if code, out, errOut := runCLI(t, "", "restore", "--from", file, "--data", data, "--store", target); code != 0 || !strings.Contains(out, "verified\t") {
		t.Fatalf("restore: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "", "restore", "--from", file, "--data", t.TempDir(), "--store", target); code == 0 || !strings.Contains(errOut, "already holds records") {
		t.Errorf("restore into a database with records: %d %s", code, errOut)
	}
	f2 := serveFlags{addr: "127.0.0.1:0"}
	f2.common = common{data: data, logFormat: "json", logLevel: "error", storeFlags: storeFlags{store: target}}
	in2, err := start(&f2, fstest.MapFS{}, "serve")
	must(t, err)
	defer in2.stop()
	clientCredentials(t, in2.issuer, svc.ID, secret)
}

// A stale admin.json (its server gone) whose port another program holds
// now: the backup is taken offline and that program is never sent the
// admin token.
func TestBackupStaleAdminFileSendsNoToken(t *testing.T) {
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat(backupKeyHex, 32))
	data := t.TempDir()
	_, in := startInProcess(t, data)
	serviceClient(t, in)
	must(t, in.stop())
	var asked atomic.Int32
	stranger := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "not latchkey", http.StatusTeapot)
	}))
	defer stranger.Close()
	exited := exec.Command("true")
	must(t, exited.Run()) // a pid that no longer runs
	raw, err := json.Marshal(adminFile{URL: stranger.URL, Token: "stale-admin-token", PID: exited.Process.Pid})
	must(t, err)
	must(t, os.WriteFile(filepath.Join(data, adminFileName), raw, 0o600))
	file := filepath.Join(t.TempDir(), "b")
	if code, _, errOut := runCLI(t, "", "backup", "--to", file, "--data", data); code != 0 {
		t.Fatalf("backup: %s", errOut)
	}
	if n := asked.Load(); n != 0 {
		t.Fatalf("the program on the stale admin port was asked %d times (and sent the token)", n)
	}
}
