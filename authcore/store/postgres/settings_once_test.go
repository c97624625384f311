package postgres

import (
	"bytes"
	"context"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// TestSecretSettingSealed: the pairwise salt is not in its column in
// plain text, reads back through GetSetting and a snapshot, and a
// snapshot restored into another database (store copy, restore) keeps it.
func TestSecretSettingSealed(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	salt := []byte("0123456789abcdef0123456789abcdef")
	if _, err := s.CreateSetting(ctx, authcore.PairwiseSaltSetting, salt); err != nil {
		t.Fatal(err)
	}
	var col []byte
	if err := s.Pool().QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, authcore.PairwiseSaltSetting).Scan(&col); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(col, salt) {
		t.Fatal("pairwise salt stored in plain text")
	}
	snap, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snap.Settings[authcore.PairwiseSaltSetting], salt) {
		t.Fatalf("snapshot salt %q", snap.Settings[authcore.PairwiseSaltSetting])
	}
	other := openTest(t, Options{})
	if err := other.Import(ctx, snap); err != nil {
		t.Fatal(err)
	}
	got, err := other.CreateSetting(ctx, authcore.PairwiseSaltSetting, []byte("a new installation's salt........"))
	if err != nil || !bytes.Equal(got, salt) {
		t.Fatalf("restored salt %q %v", got, err)
	}
}
