package server_test

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore/server"
)

// --tls-auto's CA is made once, kept owner-only, and signs a certificate a
// client that trusts the CA accepts for the requested host.
func TestEnsureAutoTLS(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	a, err := server.EnsureAutoTLS(dir, []string{"auth.example.lan", "127.0.0.1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "latchkey-ca-key.pem"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key mode: %v %v", fi.Mode(), err)
	}
	b, err := server.EnsureAutoTLS(dir, []string{"auth.example.lan"}, now)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := os.ReadFile(a.CAFile)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("CA file is not PEM")
	}
	for _, c := range []tls.Certificate{a.Certificate, b.Certificate} {
		leaf, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "auth.example.lan"}); err != nil {
			t.Errorf("second run must reuse the CA: %v", err)
		}
	}
	cfg := server.TLSConfig(a.Certificate)
	if cfg.MinVersion != tls.VersionTLS12 {
		t.Error("TLS below 1.2 allowed")
	}
}
