package badger

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/storetest"
)

func openTest(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformanceOnDisk(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) authcore.Storage {
		return openTest(t, Options{Dir: t.TempDir(), Now: now})
	})
}

func TestConformanceInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) authcore.Storage {
		return openTest(t, Options{InMemory: true, Now: now})
	})
}

func TestConformanceEncrypted(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) authcore.Storage {
		return openTest(t, Options{Dir: t.TempDir(), EncryptionKey: make([]byte, 32), Now: now})
	})
}

// TestSyncWritesByDefault: commits are synced (by the store's group
// sync, syncer.go, not Badger's per-transaction one) unless NoSyncWrites.
func TestSyncWritesByDefault(t *testing.T) {
	if s := openTest(t, Options{Dir: t.TempDir()}); s.durable == nil {
		t.Fatal("commits are not synced by default")
	}
	if s := openTest(t, Options{Dir: t.TempDir(), NoSyncWrites: true}); s.durable != nil {
		t.Fatal("commits are synced with NoSyncWrites")
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	for name, opts := range map[string]Options{
		"neither dir nor memory": {},
		"both dir and memory":    {Dir: t.TempDir(), InMemory: true},
		"short key":              {InMemory: true, EncryptionKey: make([]byte, 15)},
	} {
		if s, err := Open(opts); err == nil {
			_ = s.Close()
			t.Errorf("%s: Open succeeded", name)
		}
	}
}

// TestExpiryIsAbsolute checks both halves of expiry: the record's own
// expiry is checked against the time passed in even while Badger's TTL
// has not fired, and a record Badger's TTL has hidden stays hidden when
// the time passed in steps back before its expiry.
func TestExpiryIsAbsolute(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	fake := now
	s := openTest(t, Options{InMemory: true, Now: func() time.Time { return fake }})

	code := authcore.AuthCode{Hash: "live", ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateAuthCode(ctx, code); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConsumeAuthCode(ctx, "live", "g", now.Add(2*time.Hour)); !errors.Is(err, authcore.ErrNotFound) {
		t.Errorf("consume past the absolute expiry: %v, want ErrNotFound", err)
	}

	dead := authcore.AuthCode{Hash: "dead", ExpiresAt: now.Add(-time.Second)}
	if err := s.CreateAuthCode(ctx, dead); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConsumeAuthCode(ctx, "dead", "g", now.Add(-time.Hour)); !errors.Is(err, authcore.ErrNotFound) {
		t.Errorf("consume with the clock stepped back: %v, want ErrNotFound", err)
	}

	// Reads without a time argument use Options.Now.
	ss := authcore.Session{ID: "s", UserID: "u", ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	fake = now.Add(2 * time.Hour)
	if _, err := s.GetSession(ctx, "s"); !errors.Is(err, authcore.ErrNotFound) {
		t.Errorf("GetSession past expiry by the store clock: %v, want ErrNotFound", err)
	}
}

// TestLateAccessTokenOfRevokedGrant: a token recorded on a grant revoked
// in the meantime is refused and revoked.
func TestLateAccessTokenOfRevokedGrant(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := openTest(t, Options{InMemory: true})
	if err := s.CreateGrant(ctx, authcore.Grant{ID: "g", ExpiresAt: now.Add(time.Hour)}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeGrant(ctx, "g", "test", now); err != nil {
		t.Fatal(err)
	}
	err := s.AddAccessToken(ctx, "g", authcore.IssuedToken{JTI: "late", ExpiresAt: now.Add(time.Minute)})
	if !errors.Is(err, authcore.ErrNotFound) {
		t.Errorf("AddAccessToken to revoked grant: %v, want ErrNotFound", err)
	}
	if revoked, _ := s.IsRevoked(ctx, "late"); !revoked {
		t.Error("late access token of a revoked grant is not revoked")
	}
}

func TestKeysCannotCollide(t *testing.T) {
	a, b := string(prefix(kindConsent, "u")), string(key(kindConsent, "u/x", "c"))
	if len(b) >= len(a) && b[:len(a)] == a {
		t.Errorf("key %q falls under prefix %q", b, a)
	}
	if got := lastPart(key(kindRT, "a/b%c")); got != "a/b%c" {
		t.Errorf("lastPart round trip: %q", got)
	}
}
