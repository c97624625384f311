package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// TestMain lets a test re-execute this binary as a real `latchkey`
// process: LATCHKEY_TEST_MAIN holds its arguments, separated by the unit separator (0x1f).
// Otherwise the tests run with a private PostgreSQL cluster for the
// --store tests (postgres_test.go).
func TestMain(m *testing.M) {
	if args := os.Getenv("LATCHKEY_TEST_MAIN"); args != "" {
		os.Exit(Main(strings.Split(args, "\x1f"), Env{Console: fstest.MapFS{}}))
	}
	pgtest.Main(m)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// A standalone `latchkey gateway` process in front of an upstream, trusting
// a real Latchkey server: a valid token passes, and a revocation at the
// server is refused by the gateway within one second, through the feed.
func TestStandaloneGatewayFollowsRevocations(t *testing.T) {
	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	ctx := context.Background()
	client, secret := serviceClient(t, in)
	feedToken, err := in.srv.NewFeedToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.Header.Get("X-Auth-Client"))
	}))
	defer upstream.Close()

	gwAddr := freeAddr(t)
	cfg := map[string]any{
		"issuer": in.issuer, "listen": gwAddr, "audience": in.issuer,
		"routes": []map[string]any{{"prefix": "/api/", "upstream": upstream.URL, "scopes": []string{"orders:read"}}},
		"feed":   map[string]string{"url": in.issuer + "/revocations/feed", "credential": feedToken},
	}
	cfgPath := filepath.Join(t.TempDir(), "gateway.json")
	raw, _ := json.Marshal(cfg)
	os.WriteFile(cfgPath, raw, 0o600)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LATCHKEY_TEST_MAIN="+strings.Join([]string{"gateway", "--config", cfgPath,
		"--data", t.TempDir(), "--log-format", "json", "--log-level", "warn"}, "\x1f"))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()

	tok := clientCredentials(t, in.issuer, client.ID, secret)
	call := func() int {
		req, _ := http.NewRequest("GET", "http://"+gwAddr+"/api/orders", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	deadline := time.Now().Add(15 * time.Second)
	for call() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("standalone gateway never let a valid token through")
		}
		time.Sleep(50 * time.Millisecond)
	}
	revoke(t, in.issuer, client.ID, secret, tok)
	revokedAt := time.Now()
	for call() != http.StatusUnauthorized {
		if time.Since(revokedAt) > time.Second {
			t.Fatal("revocation did not reach the standalone gateway within 1 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("revocation reached the standalone gateway in %v", time.Since(revokedAt))
}

// serviceClient registers a confidential client_credentials client with
// the orders:read scope and returns it with its secret.
func serviceClient(t *testing.T, in *instance) (authcore.Client, string) {
	t.Helper()
	client, secret, err := in.srv.OAuth.CreateClient(context.Background(), oauth.ClientSpec{Name: "svc", Type: authcore.Confidential,
		GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}})
	if err != nil {
		t.Fatal(err)
	}
	return client, secret
}

// revoke revokes tok at the issuer (RFC 7009) as client id.
func revoke(t *testing.T, issuer, id, secret, tok string) {
	t.Helper()
	req, _ := http.NewRequest("POST", issuer+"/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", resp, err)
	}
	resp.Body.Close()
}

func clientCredentials(t *testing.T, issuer, id, secret string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", issuer+"/token", strings.NewReader("grant_type=client_credentials&scope=orders%3Aread"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return body.AccessToken
}
