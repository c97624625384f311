package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// testRevocationSkew: a revocation outlives its token's exp by
// authcore.MaxClockSkew, so a verifier that allows that much skew never
// meets a token whose revocation is already gone.
func testRevocationSkew(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	exp := now.Add(time.Hour)
	must(t, "RevokeAccessToken", s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "j-skew", ExpiresAt: exp, RevokedAt: now}))
	for _, tc := range []struct {
		gcAt    time.Time
		revoked bool
	}{
		{exp.Add(authcore.MaxClockSkew - time.Second), true},
		{exp.Add(authcore.MaxClockSkew), false},
	} {
		_, err := s.GarbageCollect(ctx, tc.gcAt)
		must(t, "GarbageCollect", err)
		revoked, err := s.IsRevoked(ctx, "j-skew")
		must(t, "IsRevoked", err)
		if revoked != tc.revoked {
			t.Errorf("after GC at exp%+v: IsRevoked = %v, want %v", tc.gcAt.Sub(exp), revoked, tc.revoked)
		}
	}
}
