package cli

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"
)

// --tls-client-ca turns on client-certificate requests and the OAuth
// server's mTLS; without it neither is on.
func TestTLSClientCAFlag(t *testing.T) {
	off := &serveFlags{}
	cfg, err := off.requestClientCerts(&tls.Config{})
	if err != nil || cfg.ClientAuth != tls.NoClientCert || off.mtls(cfg).Enabled {
		t.Fatalf("without the flag: %v %v", cfg.ClientAuth, err)
	}
	if off.mtls(nil).Enabled {
		t.Fatal("mTLS on plain HTTP")
	}
	on := &serveFlags{tlsClientCA: "self-signed"}
	cfg, err = on.requestClientCerts(&tls.Config{})
	if err != nil || cfg.ClientAuth != tls.RequestClientCert || cfg.ClientCAs != nil || !on.mtls(cfg).Enabled {
		t.Fatalf("self-signed: %v %v", cfg.ClientAuth, err)
	}
	bad := filepath.Join(t.TempDir(), "ca.pem")
	_ = os.WriteFile(bad, []byte("not pem"), 0o600)
	if _, err := (&serveFlags{tlsClientCA: bad}).requestClientCerts(&tls.Config{}); err == nil {
		t.Fatal("a file without certificates was accepted")
	}
}
