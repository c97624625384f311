package postgres

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// TestRevocationsSince: a cursor gives back what was revoked after it
// and a cursor that gives nothing new; a cursor older than the change log
// is kept for, from the future, or not one of the store's is refused
// with ErrCursorExpired (the caller falls back to the full list).
func TestRevocationsSince(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	if err := s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "old", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	cur, err := s.RevocationCursor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, jti := range []string{"a", "b"} {
		if err := s.RevokeAccessToken(ctx, authcore.Revocation{JTI: jti, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	revs, next, err := s.RevocationsSince(ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	var jtis []string
	for _, rv := range revs {
		jtis = append(jtis, rv.JTI)
		if !rv.ExpiresAt.Equal(exp) {
			t.Errorf("%s expires %v, want %v", rv.JTI, rv.ExpiresAt, exp)
		}
	}
	if !slices.Equal(jtis, []string{"a", "b"}) {
		t.Fatalf("since the cursor: %v, want [a b]", jtis)
	}
	if revs, _, err := s.RevocationsSince(ctx, next); err != nil || len(revs) != 0 {
		t.Fatalf("since the next cursor: %v, %v; want nothing", revs, err)
	}
	xmin, at, ok := parseRevocationCursor(next)
	if !ok {
		t.Fatalf("next cursor %q does not parse", next)
	}
	for _, bad := range []string{
		formatRevocationCursor(xmin, at-int64(revocationCursorKept/time.Second)-60), // pruned past
		formatRevocationCursor(xmin, at+3600),                                       // from the future
		"", "v1.", "v1.12", "v1.x.1", "v2.1.1", "v1.-5.100",
	} {
		if _, _, err := s.RevocationsSince(ctx, bad); !errors.Is(err, authcore.ErrCursorExpired) {
			t.Errorf("cursor %q: %v, want ErrCursorExpired", bad, err)
		}
	}
}
