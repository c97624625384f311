package server

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// AutoTLSCAFile is the file, in the directory given to EnsureAutoTLS,
// that holds the local CA's certificate (and only its certificate: the
// key is in another file).
const AutoTLSCAFile = "latchkey-ca.pem"

// ReadAutoTLSCA reads the certificate of the local CA that EnsureAutoTLS
// made in dir, for people to add to their trust store. It returns the
// certificate re-encoded as one PEM block, so nothing else that might
// sit in the file (never a key) is passed on; os.ErrNotExist when there
// is no local CA.
func ReadAutoTLSCA(dir string) ([]byte, *x509.Certificate, error) {
	raw, err := os.ReadFile(filepath.Join(dir, AutoTLSCAFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, os.ErrNotExist
		}
		return nil, nil, fmt.Errorf("server: local CA: %w", err)
	}
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			return nil, nil, errors.New("server: local CA: no certificate in " + AutoTLSCAFile)
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("server: local CA: %w", err)
		}
		if !cert.IsCA {
			return nil, nil, errors.New("server: local CA: the certificate is not a CA")
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), cert, nil
	}
}
