package badger

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// BenchmarkRefreshFamily is the store's part of a refresh as the token
// endpoint runs it: GetRefreshFamily, then RotateRefreshToken with the
// new access token, each family rotated 20 times (its grant lists up to
// 20 access tokens), on an encrypted store on disk without syncs (the
// syncs are BenchmarkRotateRefreshTokenParallel's). cpu-µs/op is the
// process's CPU per refresh, steadier than ns/op on a shared machine.
func BenchmarkRefreshFamily(b *testing.B) {
	ctx := context.Background()
	s, err := Open(Options{Dir: b.TempDir(), NoSyncWrites: true, EncryptionKey: make([]byte, 32)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	scopes := []string{"openid", "offline_access", "orders:read"}
	var cur string
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; b.Loop(); i++ {
		if i%20 == 0 {
			g := authcore.Grant{ID: fmt.Sprint("g", i), ClientID: "client-1", UserID: "user-1", Scopes: scopes,
				Audience: []string{"https://api.example"}, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
				SessionID: "sid-1", ACR: "urn:acr:mfa", AMR: []string{"pwd", "otp"}}
			cur = fmt.Sprintf("f%063d", i)
			rt := authcore.RefreshToken{Hash: cur, ClientID: g.ClientID, UserID: g.UserID, Scopes: scopes,
				ExpiresAt: g.ExpiresAt, CreatedAt: now}
			if err := s.CreateGrant(ctx, g, &rt); err != nil {
				b.Fatal(err)
			}
		}
		rt, g, err := s.GetRefreshFamily(ctx, cur)
		if err != nil || g == nil {
			b.Fatal(err)
		}
		next := authcore.RefreshToken{Hash: fmt.Sprintf("%064d", i+1), GrantID: rt.GrantID, ClientID: rt.ClientID,
			UserID: rt.UserID, Scopes: rt.Scopes, ExpiresAt: rt.ExpiresAt, CreatedAt: now}
		at := authcore.IssuedToken{JTI: fmt.Sprintf("jti-%022d", i), ExpiresAt: now.Add(time.Hour), Kid: "key-2026-12"}
		if _, err := s.RotateRefreshToken(ctx, cur, next, at, now); err != nil {
			b.Fatal(err)
		}
		cur = next.Hash
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}

// processCPU is the CPU time the process has used, every thread.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
