package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
)

// seedGrants stores three live grants: g0 and g1 of client c1 (g1 for
// userID), g2 of client c2 signed by key k2.
func seedGrants(t *testing.T, st authcore.Storage, userID string) {
	t.Helper()
	now := time.Now()
	for i, g := range []authcore.Grant{
		{ID: "g0", ClientID: "c1", UserID: "someone-else", Scopes: []string{"orders:read"}},
		{ID: "g1", ClientID: "c1", UserID: userID, Scopes: []string{"openid", "orders:write"}},
		{ID: "g2", ClientID: "c2", UserID: "someone-else", Scopes: []string{"orders:read"}},
	} {
		g.CreatedAt, g.ExpiresAt = now.Add(time.Duration(i)*time.Second), now.Add(time.Hour)
		g.AccessJTIs = []authcore.IssuedToken{{JTI: "at-" + g.ID, ExpiresAt: now.Add(time.Minute), Kid: "k" + g.ClientID[1:]}}
		if err := st.CreateGrant(context.Background(), g, nil); err != nil {
			t.Fatal(err)
		}
	}
}

type grantRow struct {
	ID       string `json:"id"`
	ClientID string `json:"client_id"`
	Revoked  bool   `json:"revoked"`
}

func listGrantIDs(t *testing.T, data string, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, "", append([]string{"token", "list", "--data", data, "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("token list %v: %d %s", args, code, errOut)
	}
	var gs []grantRow
	if err := json.Unmarshal([]byte(out), &gs); err != nil {
		t.Fatalf("token list %v: not JSON: %s", args, out)
	}
	ids := []string{}
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	return strings.Join(ids, " ")
}

// tokenScenario lists with each filter of the Tokens screen, shows a
// grant, and revokes by grant, user and key, on the data directory data
// (held by a running server or not).
func tokenScenario(t *testing.T, data string) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "g2 g1 g0"},
		{[]string{"--client", "c1"}, "g1 g0"},
		{[]string{"--user", "alice"}, "g1"},
		{[]string{"--scope", "orders:write"}, "g1"},
		{[]string{"--kid", "k2"}, "g2"},
		{[]string{"--grant", "g0"}, "g0"},
		{[]string{"--state", "revoked"}, ""},
	} {
		if got := listGrantIDs(t, data, c.args...); got != c.want {
			t.Errorf("token list %v = %q, want %q", c.args, got, c.want)
		}
	}
	code, out, errOut := runCLI(t, "", "token", "show", "g1", "--data", data)
	if code != 0 || !strings.Contains(out, "orders:write") || !strings.Contains(out, "active") {
		t.Fatalf("token show: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "", "token", "show", "nope", "--data", data); code != 1 || !strings.Contains(errOut, "no grant nope") {
		t.Errorf("show of an unknown grant: %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "token", "revoke", "--data", data); code != 1 || !strings.Contains(errOut, "say what to revoke") {
		t.Errorf("revoke without a filter: %d %s", code, errOut)
	}
	code, out, errOut = runCLI(t, "", "token", "revoke", "--data", data, "--user", "alice", "--reason", "laptop stolen", "--json")
	if code != 0 || !strings.Contains(out, `"g1"`) {
		t.Fatalf("revoke --user: %d %s %s", code, out, errOut)
	}
	if code, out, _ = runCLI(t, "", "token", "revoke", "--data", data, "--kid", "k2"); code != 0 || !strings.Contains(out, "revoked 1 grant") {
		t.Fatalf("revoke --kid: %d %s", code, out)
	}
	if got := listGrantIDs(t, data); got != "g0" {
		t.Errorf("live grants after revocations: %q", got)
	}
	if got := listGrantIDs(t, data, "--state", "revoked"); got != "g2 g1" {
		t.Errorf("revoked grants: %q", got)
	}
	code, out, _ = runCLI(t, "", "token", "show", "g1", "--data", data)
	if code != 0 || !strings.Contains(out, "laptop stolen") {
		t.Errorf("show of a revoked grant: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "", "audit", "query", "--data", data, "--type", "token.revoked", "--json")
	if code != 0 || !strings.Contains(out, "laptop stolen") || !strings.Contains(out, `"g2"`) {
		t.Errorf("revocations not audited: %d %s", code, out)
	}
}

func createAlice(t *testing.T, data string) string {
	t.Helper()
	code, out, errOut := runCLI(t, "correct horse battery\n", "user", "create", "--data", data, "--username", "alice", "--password-stdin", "--json")
	if code != 0 {
		t.Fatalf("user create: %d %s", code, errOut)
	}
	var u struct{ ID string }
	if err := json.Unmarshal([]byte(out), &u); err != nil || u.ID == "" {
		t.Fatalf("user create: %s", out)
	}
	return u.ID
}

func TestTokenCommandsOffline(t *testing.T) {
	data := t.TempDir()
	alice := createAlice(t, data)
	st, err := openState(&common{data: data}, data, false, zerolog.Nop(), stateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seedGrants(t, st.store, alice)
	st.close()
	tokenScenario(t, data)
}

func TestTokenCommandsThroughRunningServer(t *testing.T) {
	data := t.TempDir()
	alice := createAlice(t, data)
	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: data, logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	seedGrants(t, in.srv.Store, alice)
	tokenScenario(t, data)

	// One access token, read from standard input, never the command line.
	now := time.Now()
	tok, err := in.srv.Keys.Sign("", "at+jwt", jwt.RegisteredClaims{Issuer: in.issuer, Subject: alice, ID: "jti-1",
		Audience: jwt.ClaimStrings{in.issuer}, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, tok, "token", "revoke", "--data", data, "--access-token-stdin", "--client", "c1"); code != 1 ||
		!strings.Contains(errOut, "no filter") {
		t.Errorf("token and filter together: %d %s", code, errOut)
	}
	code, out, errOut := runCLI(t, tok+"\n", "token", "revoke", "--data", data, "--access-token-stdin")
	if code != 0 || !strings.Contains(out, "jti-1") {
		t.Fatalf("revoke --access-token-stdin: %d %s %s", code, out, errOut)
	}
	if revoked, err := in.srv.Store.IsRevoked(context.Background(), "jti-1"); err != nil || !revoked {
		t.Errorf("access token not revoked: %v %v", revoked, err)
	}
}
