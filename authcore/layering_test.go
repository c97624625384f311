package authcore_test

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/latchkey/latchkey/"

// allowed lists, per package, the Latchkey packages it may import. A
// package not listed here may import only the authcore root and audit: the
// subpackages of authcore do not know each other, and only the server
// wires them (docs/architecture.md: main -> app -> authcore/server -> authcore/* ->
// authcore; everything may use audit).
var allowed = map[string][]string{
	"authcore":             {},
	"audit":                {"internal/walsync", "internal/tabletrim", "internal/jsonenc"},
	"audit/monitor":        {"audit", "internal/httpstatus"},
	"audit/cmd/auditbench": {"audit"},
	// The store reads its logs with the disk guard's DataEnd; the guard
	// itself imports nothing of Latchkey.
	"authcore/store/badger":    {"authcore", "authcore/diskguard", "internal/walsync", "internal/tabletrim"},
	"authcore/diskguard":       {},
	"authcore/store/storetest": {"authcore"},
	// The PostgreSQL store knows only the vocabulary, like Badger.
	"authcore/store/postgres": {"authcore"},
	// authcore/dpop is DPoP proof validation (RFC 9449 §4.3) shared by
	// the token endpoint and the gateway; it uses only the neutral
	// packages below.
	"authcore/dpop": {"authcore/jws", "authcore/jwkset"},
	// Neutral packages that import no Latchkey package and that any
	// subpackage may import: authcore/jws splits compact JWS strictly;
	// authcore/jwkset fetches, caches and parses an issuer's JWKS with each
	// key bound to its algorithms (gateway, federation, dpop).
	"authcore/jws":        {},
	"authcore/jwkset":     {},
	"authcore/tokencache": {}, // the verified-token cache (gateway, introspection)
	"authcore/keys":       {"authcore", "audit", "internal/jsonenc"},
	"authcore/ratelimit":  {}, // per-key token buckets (login, oauth)
	"authcore/federation": {"authcore", "audit", "authcore/jws", "authcore/jwkset"},
	// authcore/egress is the dependency-free SSRF guard for outbound
	// requests to client-registered URLs (back-channel logout).
	"authcore/egress":              {},
	"authcore/passkey":             {"authcore"}, // WebAuthn ceremonies (login, server)
	"authcore/passkey/passkeytest": {},           // a software authenticator for tests
	"authcore/gateway": {"authcore", "audit", "authcore/dpop", "authcore/jws", "authcore/jwkset", "authcore/tokencache",
		"internal/httpstatus"},
	"authcore/oauth": {"authcore", "audit", "authcore/dpop", "authcore/egress", "authcore/ratelimit", "authcore/tokencache",
		"internal/jsonenc"},
	"authcore/login": {"authcore", "audit", "authcore/ratelimit", "authcore/passkey"},
	"authcore/oidc":  {"authcore", "audit", "authcore/dpop", "authcore/egress"},
	"authcore/server": {"authcore", "audit", "authcore/gateway", "authcore/keys", "authcore/login", "authcore/passkey",
		"authcore/oauth", "authcore/oidc", "authcore/federation", "authcore/dpop", "authcore/jws", "authcore/jwkset",
		"internal/httpstatus"},
	// Test scaffolding, imported by _test.go files only (TestTestSupport):
	// testsupport needs nothing but audit, so any package's internal tests
	// may use it; servertest starts the real server.
	"authcore/testsupport": {"audit"},
	// pgtest starts private PostgreSQL clusters; it imports nothing of
	// Latchkey so the bench program may use it too.
	"authcore/testsupport/pgtest": {},
	"authcore/server/servertest":  {"authcore", "authcore/server", "authcore/store/badger", "authcore/store/postgres", "authcore/testsupport/pgtest"},
	// internal/httpstatus is the status-recording ResponseWriter of the
	// access log, the metrics and the gateway: standard library only.
	"internal/httpstatus": {},
	// internal/walsync fsyncs a Badger database's write-ahead logs
	// without Badger's lock, for the store and the audit log alike (on
	// io_uring where Linux has it): standard library and golang.org/x/sys.
	"internal/walsync": {},
	// internal/jsonenc writes JSON as encoding/json does, without its
	// reflection, for the token endpoint and the audit log's lines:
	// standard library only.
	"internal/jsonenc": {},
	// internal/gcfloor tunes GOGC for a small live heap (latchkey serve):
	// standard library only.
	"internal/gcfloor": {},
	// internal/tabletrim unmaps the pages of a Badger database's table
	// files, for the store and the audit log alike: Badger only.
	"internal/tabletrim": {},
}

// testOnly are the packages that no non-test file may import.
var testOnly = []string{"authcore/testsupport", "authcore/server/servertest", "authcore/passkey/passkeytest"}

// TestLayering states the import rules as a test (go/build/deps_test.go is
// the model): authcore and audit never import the console, Wails or the
// frontend, and authcore's subpackages import each other only through the
// server.
func TestLayering(t *testing.T) {
	for _, root := range []string{".", "../audit", "../internal"} {
		err := filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			if strings.Contains(dir, "testdata") {
				return filepath.SkipDir
			}
			pkg, err := build.ImportDir(dir, 0)
			if err != nil {
				return nil // no Go files here
			}
			rel := filepath.ToSlash(filepath.Clean(filepath.Join("authcore", dir)))
			if root != "." {
				rel = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(dir)), "../")
			}
			want, listed := allowed[rel]
			if !listed {
				want = []string{"authcore", "audit"}
			}
			for _, imp := range pkg.Imports {
				switch {
				case strings.Contains(imp, "wailsapp"):
					t.Errorf("%s imports %s: no GUI below app/", rel, imp)
				case rel == "authcore" && strings.Contains(strings.SplitN(imp, "/", 2)[0], "."):
					t.Errorf("authcore root imports %s: it holds the vocabulary and uses the standard library only", imp)
				case strings.HasPrefix(imp, module) && !slices.Contains(want, strings.TrimPrefix(imp, module)):
					t.Errorf("%s imports %s; allowed: %v", rel, strings.TrimPrefix(imp, module), want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestTestSupport keeps the test scaffolding out of the product: no
// non-test Go file of the module imports a package of testOnly.
func TestTestSupport(t *testing.T) {
	err := filepath.WalkDir("..", func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		switch name := d.Name(); {
		case dir == "..":
		case name == "testdata" || name == "node_modules" || strings.HasPrefix(name, "."):
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			return nil // no Go files here
		}
		for _, imp := range pkg.Imports {
			if slices.Contains(testOnly, strings.TrimPrefix(imp, module)) {
				t.Errorf("%s imports %s outside its tests", filepath.ToSlash(dir), imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
