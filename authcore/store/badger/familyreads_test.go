package badger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// TestRotationTakesFamilyRead: the rotation after a GetRefreshFamily
// takes what the read decoded (storetest's ReadThenRotate proves it is
// used only while the stored bytes are unchanged), and reads that no
// rotation follows stay bounded.
func TestRotationTakesFamilyRead(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{InMemory: true})
	now := time.Now()
	held := func(hash string) bool {
		s.families.mu.Lock()
		defer s.families.mu.Unlock()
		_, ok := s.families.m[hash]
		return ok
	}
	for i := range maxFamilyReads + 10 {
		id, h := fmt.Sprint("g", i), fmt.Sprint("rt", i)
		g := authcore.Grant{ID: id, ClientID: "c", ExpiresAt: now.Add(time.Hour)}
		rt := authcore.RefreshToken{Hash: h, ClientID: "c", ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateGrant(ctx, g, &rt); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.GetRefreshFamily(ctx, h); err != nil {
			t.Fatal(err)
		}
		if !held(h) {
			t.Fatalf("GetRefreshFamily(%s) kept nothing for the rotation", h)
		}
	}
	if n := len(s.families.m); n > maxFamilyReads {
		t.Errorf("%d reads held, want at most %d", n, maxFamilyReads)
	}
	last := fmt.Sprint("rt", maxFamilyReads+9)
	next := authcore.RefreshToken{Hash: "next", ExpiresAt: now.Add(time.Hour)}
	if _, err := s.RotateRefreshToken(ctx, last, next, authcore.IssuedToken{JTI: "at", ExpiresAt: now.Add(time.Minute)}, now); err != nil {
		t.Fatal(err)
	}
	if held(last) {
		t.Error("the rotation left its family read behind")
	}
}
