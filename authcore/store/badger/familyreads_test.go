package badger

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	bdg "github.com/dgraph-io/badger/v4"

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
	for i := range maxDecodedReads + 10 {
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
	if n := len(s.families.m); n > maxDecodedReads {
		t.Errorf("%d reads held, want at most %d", n, maxDecodedReads)
	}
	last := fmt.Sprint("rt", maxDecodedReads+9)
	next := authcore.RefreshToken{Hash: "next", ExpiresAt: now.Add(time.Hour)}
	if _, err := s.RotateRefreshToken(ctx, last, next, authcore.IssuedToken{JTI: "at", ExpiresAt: now.Add(time.Minute)}, now); err != nil {
		t.Fatal(err)
	}
	if held(last) {
		t.Error("the rotation left its family read behind")
	}
}

// TestRedeemTakesCodeRead: a redemption after GetAuthCode takes what the
// read decoded, but only while the stored bytes are the ones decoded: a
// code changed in between is decoded again, so the redemption judges
// the stored record. What the caller does to the code it was given never
// reaches the store.
func TestRedeemTakesCodeRead(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{InMemory: true})
	now := time.Now()
	held := func(hash string) bool {
		s.codes.mu.Lock()
		defer s.codes.mu.Unlock()
		_, ok := s.codes.m[hash]
		return ok
	}
	code := func(hash string) authcore.AuthCode {
		return authcore.AuthCode{Hash: hash, ClientID: "c", UserID: "u", RedirectURI: "https://rp.example/cb",
			Scopes: []string{"openid", "profile"}, ExpiresAt: now.Add(time.Minute), CreatedAt: now}
	}
	grant := func(id string) authcore.Grant {
		return authcore.Grant{ID: id, ClientID: "c", UserID: "u", ExpiresAt: now.Add(time.Hour)}
	}

	if err := s.CreateAuthCode(ctx, code("c1")); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetAuthCode(ctx, "c1", now)
	if err != nil {
		t.Fatal(err)
	}
	if !held("c1") {
		t.Fatal("GetAuthCode kept nothing for the redemption")
	}
	got.Scopes[0], got.ClientID = "admin", "other" // the caller's copy
	red, err := s.RedeemAuthCode(ctx, "c1", grant("g1"), nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if held("c1") {
		t.Error("the redemption left its code read behind")
	}
	if red.Scopes[0] != "openid" || red.ClientID != "c" || !red.Consumed || red.GrantID != "g1" {
		t.Errorf("redeemed %+v: the caller's changes reached the store, or the code is not consumed", red)
	}

	// Changed under the read: the bytes differ, so the stored record
	// decides (here: consumed by g0, so ErrConsumed naming g0).
	if err := s.CreateAuthCode(ctx, code("c2")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAuthCode(ctx, "c2", now); err != nil {
		t.Fatal(err)
	}
	stored := codeV1(code("c2"))
	stored.Consumed, stored.GrantID = true, "g0"
	if err := s.update(ctx, func(txn *bdg.Txn) error { return put(txn, key(kindCode, "c2"), stored, stored.ExpiresAt) }); err != nil {
		t.Fatal(err)
	}
	red, err = s.RedeemAuthCode(ctx, "c2", grant("g2"), nil, now)
	if !errors.Is(err, authcore.ErrConsumed) || red.GrantID != "g0" {
		t.Errorf("redeeming a code consumed after the read: %v, grant %q; want ErrConsumed naming g0", err, red.GrantID)
	}
	if _, err := s.GetGrant(ctx, "g2"); !errors.Is(err, authcore.ErrNotFound) {
		t.Errorf("the grant of a refused redemption: %v", err)
	}

	// A consumed code is not kept: nothing follows its read.
	if _, err := s.GetAuthCode(ctx, "c2", now); err != nil {
		t.Fatal(err)
	}
	if held("c2") {
		t.Error("GetAuthCode kept a consumed code")
	}
}
