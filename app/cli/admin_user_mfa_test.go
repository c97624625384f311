package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// TestCLIUserMFA: `user require-mfa`, `user show`, `user mfa list` and
// `user mfa reset` show a user's factors without their secret, reset them
// (audited with the actor), and tell whether a second factor is required.
func TestCLIUserMFA(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := runCLI(t, "correct horse battery\n", "user", "create", "--data", data, "--username", "alice", "--password-stdin"); code != 0 {
		t.Fatalf("create: %s", errOut)
	}
	code, out, errOut := runCLI(t, "", "user", "require-mfa", "alice", "on", "--data", data)
	if code != 0 || !strings.Contains(out, "required") {
		t.Fatalf("require-mfa: %d %s %s", code, out, errOut)
	}
	// An authenticator app and recovery codes, written as the sign-in
	// pages would.
	key, err := encryptionKey(data, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	st, err := badger.Open(badger.Options{Dir: filepath.Join(data, "store"), EncryptionKey: key})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := st.GetUserByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, f := range []authcore.Factor{
		{ID: "f1", UserID: u.ID, Kind: authcore.FactorTOTP, Name: "Phone", Secret: []byte("JBSWY3DPEHPK3PXPSECRET"), Confirmed: true, CreatedAt: now},
		{ID: "recovery", UserID: u.ID, Kind: authcore.FactorRecovery, Secret: []byte(`["aGFzaDE=","aGFzaDI="]`), Confirmed: true, CreatedAt: now},
	} {
		if err := st.CreateFactor(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	code, out, errOut = runCLI(t, "", "user", "show", "alice", "--data", data)
	if code != 0 || !strings.Contains(out, "Phone") || !strings.Contains(out, "enrolled") || strings.Contains(out, "JBSWY3DP") {
		t.Fatalf("show: %d %s %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "user", "mfa", "list", "alice", "--data", data, "--json")
	var factors []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &factors) != nil || len(factors) != 2 || strings.Contains(out, "secret") {
		t.Fatalf("mfa list: %d %s", code, out)
	}
	if code, out, errOut = runCLI(t, "", "user", "mfa", "reset", "alice", "--data", data); code != 0 || !strings.Contains(out, "removed 2") {
		t.Fatalf("mfa reset: %d %s %s", code, out, errOut)
	}
	if code, out, _ = runCLI(t, "", "user", "mfa", "list", "alice", "--data", data, "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("after reset: %d %s", code, out)
	}
	if code, _, errOut = runCLI(t, "", "user", "mfa", "wipe", "alice", "--data", data); code == 0 || !strings.Contains(errOut, "list or reset") {
		t.Fatalf("unknown mfa action: %d %s", code, errOut)
	}
}
