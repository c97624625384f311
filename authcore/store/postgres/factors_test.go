package postgres

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// TestFactorSecretSealed: a second factor's secret (a TOTP key) is not in
// its column in plain text, and its ciphertext moved to another user's
// factor does not open there.
func TestFactorSecretSealed(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{DSN: pgtest.Schema(t)})
	key := []byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	for _, u := range []string{"u1", "u2"} {
		if err := s.CreateUser(ctx, authcore.User{ID: u, Username: u}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateFactor(ctx, authcore.Factor{ID: "f", UserID: u, Kind: authcore.FactorTOTP, Secret: key, Confirmed: true}); err != nil {
			t.Fatal(err)
		}
	}
	var sealed []byte
	if err := s.Pool().QueryRow(ctx, `SELECT secret FROM factors WHERE user_id = 'u1'`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if len(sealed) == 0 || bytes.Contains(sealed, key) {
		t.Fatalf("factor secret stored in plain text (or not at all): %q", sealed)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE factors SET secret = $1 WHERE user_id = 'u2'`, sealed); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetFactor(ctx, "u2", "f"); !errors.Is(err, errWrongKey) {
		t.Errorf("GetFactor with a moved ciphertext: %v, want errWrongKey", err)
	}
	if f, err := s.GetFactor(ctx, "u1", "f"); err != nil || !bytes.Equal(f.Secret, key) {
		t.Errorf("GetFactor: %q %v", f.Secret, err)
	}
}
