package cli

import (
	"crypto/sha256"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/rs/zerolog"
)

// auditIndexPrefix is the audit store's index prefix for type == value
// (v1/ix/t<first 8 bytes of SHA-256(value)>), as an attacker reading the
// source would compute it.
func auditIndexPrefix(value string) []byte {
	h := sha256.Sum256([]byte(value))
	return append([]byte("v1/ix/t"), h[:8]...)
}

// editAuditStore opens the data directory's audit store with Badger alone,
// with the encryption key from the data directory (an attacker with file
// access has both), and applies edit to the keys of the type index.
func editAuditStore(t *testing.T, data string, edit func(txn *badger.Txn, typeKeys map[string][][]byte) error) {
	t.Helper()
	key, err := encryptionKey(data, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(data, "audit")).WithLogger(nil).
		WithEncryptionKey(key).WithIndexCacheSize(1 << 20))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(txn *badger.Txn) error {
		keys := map[string][][]byte{}
		for _, typ := range []string{"client.created", "admin.action"} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: auditIndexPrefix(typ)})
			for it.Rewind(); it.Valid(); it.Next() {
				keys[typ] = append(keys[typ], it.Item().KeyCopy(nil))
			}
			it.Close()
		}
		return edit(txn, keys)
	}); err != nil {
		t.Fatal(err)
	}
}

// A tampered audit index makes `audit verify` fail with a message naming
// the index, and a search that reaches a tampered entry fails instead of
// answering from it.
func TestAuditVerifyReportsTamperedIndex(t *testing.T) {
	data := t.TempDir()
	for _, name := range []string{"One", "Two"} {
		if code, _, errOut := runCLI(t, "", "client", "create", "--data", data, "--name", name, "--type", "public",
			"--redirect-uri", "http://127.0.0.1/cb"); code != 0 {
			t.Fatalf("client create: %s", errOut)
		}
	}
	if code, out, _ := runCLI(t, "", "audit", "verify", "--data", data); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("untouched: %d %s", code, out)
	}
	var created [][]byte
	editAuditStore(t, data, func(txn *badger.Txn, keys map[string][][]byte) error {
		created = keys["client.created"]
		for _, k := range created {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if len(created) != 2 {
		t.Fatalf("%d client.created index entries, want 2", len(created))
	}
	code, out, errOut := runCLI(t, "", "audit", "verify", "--data", data)
	if code == 0 || !strings.Contains(out, "audit index DAMAGED") || !strings.Contains(out, "index type=client.created holds 0 of the 2") {
		t.Fatalf("verify after deleting index entries: exit %d\n%s%s", code, out, errOut)
	}
	// Point an admin.action entry at a client.created event: the search
	// for admin.action events must not answer with it.
	editAuditStore(t, data, func(txn *badger.Txn, _ map[string][][]byte) error {
		id := created[0][len(created[0])-16:]
		return txn.Set(append(auditIndexPrefix("admin.action"), id...), nil)
	})
	code, out, errOut = runCLI(t, "", "audit", "query", "--data", data, "--type", "admin.action")
	if code == 0 || !strings.Contains(errOut, "index was altered") || strings.Contains(out, "client.created") {
		t.Fatalf("query over a tampered index: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", "audit", "reindex", "--data", data)
	if code != 0 || !strings.Contains(out, "1 entries removed, 2 added") {
		t.Fatalf("reindex: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "", "audit", "verify", "--data", data); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("verify after reindex: %d %s", code, out)
	}
	if code, out, _ := runCLI(t, "", "audit", "query", "--data", data, "--type", "client.created"); code != 0 || strings.Count(out, "client.created") != 2 {
		t.Fatalf("query after reindex: %d %s", code, out)
	}
}

// The CLI refuses a limit outside 1..1000 and a cursor Latchkey did not
// issue with a clear message, instead of clamping or reading from it.
func TestAuditQueryRefusesBadLimitAndCursor(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := runCLI(t, "", "client", "create", "--data", data, "--name", "One", "--type", "public",
		"--redirect-uri", "http://127.0.0.1/cb"); code != 0 {
		t.Fatalf("client create: %s", errOut)
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--limit", "0"}, "must be a number from 1 to 1000"},
		{[]string{"--limit", "1001"}, "must be a number from 1 to 1000"},
		{[]string{"--limit", "-3"}, "must be a number from 1 to 1000"},
		{[]string{"--cursor", "AgAAAAAAAAAAAAAAAAAAAAAB"}, "bad cursor"},
	} {
		code, out, errOut := runCLI(t, "", append([]string{"audit", "query", "--data", data}, tc.args...)...)
		if code == 0 || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d\n%s%s", tc.args, code, out, errOut)
		}
	}
	if code, out, errOut := runCLI(t, "", "audit", "query", "--data", data, "--limit", "1000"); code != 0 || !strings.Contains(out, "client.created") {
		t.Errorf("--limit 1000: exit %d\n%s%s", code, out, errOut)
	}
}
