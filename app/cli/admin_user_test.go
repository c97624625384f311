package cli

import (
	"strings"
	"testing"
)

// The CLI refuses to disable the last enabled administrator and says why
// (issue 16, broken 3); it is also how a lost administrator is recovered
// on the host: create another, or enable one.
func TestCLILastAdministrator(t *testing.T) {
	data := t.TempDir()
	pw := "correct horse battery\n"
	if code, _, errOut := runCLI(t, pw, "user", "create", "--data", data, "--username", "root", "--admin", "--password-stdin"); code != 0 {
		t.Fatalf("create admin: %s", errOut)
	}
	code, _, errOut := runCLI(t, "", "user", "disable", "root", "--data", data)
	if code != 1 || !strings.Contains(errOut, "root is the last enabled administrator") {
		t.Fatalf("disable the last administrator: %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, pw, "user", "create", "--data", data, "--username", "ops", "--admin", "--password-stdin"); code != 0 {
		t.Fatalf("create a second admin: %s", errOut)
	}
	if code, _, errOut := runCLI(t, "", "user", "disable", "root", "--data", data); code != 0 {
		t.Fatalf("disable one of two administrators: %s", errOut)
	}
	if code, _, errOut := runCLI(t, "", "user", "disable", "ops", "--data", data); code != 1 || !strings.Contains(errOut, "last enabled administrator") {
		t.Fatalf("disable the other: %d %s", code, errOut)
	}
	if code, out, errOut := runCLI(t, "", "user", "enable", "root", "--data", data); code != 0 || !strings.Contains(out, "active") {
		t.Fatalf("enable: %d %s %s", code, out, errOut)
	}
}
