package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// BenchmarkRefreshRotation measures the store's share of a durable
// refresh rotation on PostgreSQL (issue 19: 2,000 rotations/s per server
// core): what the refresh grant asks of the store, GetRefreshFamily then
// RotateRefreshToken with the new access token, from 8 goroutines (c=8),
// each rotating a family 20 times as lkbench's clients do. It reports
// Latchkey's CPU per rotation (pgx) and the database's (every process of
// the package's cluster).
func BenchmarkRefreshRotation(b *testing.B) {
	const workers, familyRotations = 8, 20
	s := openTest(b, Options{})
	ctx := context.Background()
	now := time.Now()
	families := make(chan string, b.N/familyRotations+workers+1)
	for i := range cap(families) {
		g := authcore.Grant{ID: fmt.Sprint("g", i), ClientID: "web", UserID: "u1", Scopes: []string{"openid", "offline_access"},
			AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
		rt := authcore.RefreshToken{Hash: benchHash(g.ID, 0), GrantID: g.ID, ClientID: g.ClientID, UserID: g.UserID,
			Scopes: g.Scopes, ExpiresAt: g.ExpiresAt, CreatedAt: now}
		if err := s.CreateGrant(ctx, g, &rt); err != nil {
			b.Fatal(err)
		}
		families <- g.ID
	}
	own, db := benchCPU(b), benchDBCPU(b)
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var grant string
			for i := w; i < b.N; i += workers {
				n := (i / workers) % familyRotations
				if n == 0 {
					grant = <-families
				}
				rt, g, err := s.GetRefreshFamily(ctx, benchHash(grant, n))
				if err != nil || g == nil {
					b.Errorf("family %s/%d: %v", grant, n, err)
					return
				}
				next := authcore.RefreshToken{Hash: benchHash(grant, n+1), GrantID: rt.GrantID, ClientID: rt.ClientID,
					UserID: rt.UserID, Scopes: rt.Scopes, ExpiresAt: rt.ExpiresAt, CreatedAt: now}
				at := authcore.IssuedToken{JTI: fmt.Sprint(grant, "-at-", n), ExpiresAt: now.Add(time.Hour), Kid: "k1"}
				if _, err := s.RotateRefreshToken(ctx, rt.Hash, next, at, now); err != nil {
					b.Errorf("rotate %s/%d: %v", grant, n, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(benchCPU(b)-own)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(benchDBCPU(b)-db)/float64(time.Microsecond)/float64(b.N), "pg-cpu-µs/op")
}

// benchHash is the hash of the n-th refresh token of grant's family.
func benchHash(grant string, n int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", grant, n))
	return hex.EncodeToString(sum[:])
}

// benchCPU is the CPU time this process has used so far.
func benchCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchDBCPU is the CPU time of the package's cluster.
func benchDBCPU(b *testing.B) time.Duration {
	t, err := pgtest.Shared(b).CPU()
	if err != nil {
		b.Fatal(err)
	}
	return t
}
