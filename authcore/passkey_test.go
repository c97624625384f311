package authcore

import (
	"reflect"
	"testing"
	"time"
)

func TestPasskeyFactorRoundTrip(t *testing.T) {
	now := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	p := Passkey{ID: "cred", UserID: "u", Name: "Laptop", PublicKey: []byte{1, 2}, AttestationType: "none",
		AAGUID: make([]byte, 16), Transports: []string{"internal"}, SignCount: 1<<32 - 1, BackupEligible: true,
		BackupState: true, UserVerified: true, CreatedAt: now, LastUsedAt: now.Add(time.Hour)}
	f := p.Factor()
	if f.Kind != FactorWebAuthn || !f.Confirmed || !f.IsSecondFactor() || f.ID != p.ID {
		t.Fatalf("factor %+v", f)
	}
	got, err := PasskeyFromFactor(f)
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, p)
	}
	for name, bad := range map[string]Factor{
		"totp":     {ID: "x", Kind: FactorTOTP, Secret: f.Secret},
		"no key":   {ID: "x", Kind: FactorWebAuthn, Secret: []byte(`{}`)},
		"garbage":  {ID: "x", Kind: FactorWebAuthn, Secret: []byte(`{`)},
		"negative": {ID: "x", Kind: FactorWebAuthn, Secret: f.Secret, Counter: -1},
	} {
		if _, err := PasskeyFromFactor(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
