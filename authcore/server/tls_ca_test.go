package server_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore/server"
)

// The CA handed out is the certificate alone, never the key.
func TestReadAutoTLSCA(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := server.ReadAutoTLSCA(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("no CA yet: %v", err)
	}
	auto, err := server.EnsureAutoTLS(dir, []string{"localhost"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pemCA, cert, err := server.ReadAutoTLSCA(dir)
	if err != nil || !cert.IsCA {
		t.Fatalf("ReadAutoTLSCA: %v", err)
	}
	if s := string(pemCA); strings.Count(s, "BEGIN") != 1 || !strings.Contains(s, "BEGIN CERTIFICATE") || strings.Contains(s, "KEY") {
		t.Fatalf("not exactly one certificate:\n%s", s)
	}
	if filepath.Join(dir, server.AutoTLSCAFile) != auto.CAFile {
		t.Fatalf("CA file %s, EnsureAutoTLS wrote %s", server.AutoTLSCAFile, auto.CAFile)
	}
}
