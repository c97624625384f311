package badger

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// The benchmarks give figures for the hot paths; they assert nothing.

func BenchmarkIsRevoked(b *testing.B) {
	ctx := context.Background()
	s, err := Open(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	exp := time.Now().Add(time.Hour)
	for i := range 1000 {
		if err := s.RevokeAccessToken(ctx, authcore.Revocation{JTI: fmt.Sprint("j", i), ExpiresAt: exp}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := s.IsRevoked(ctx, fmt.Sprint("j", i%2000)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkConsumeAuthCode(b *testing.B) {
	for _, sync := range []bool{true, false} {
		b.Run(fmt.Sprintf("sync=%v", sync), func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(Options{Dir: b.TempDir(), NoSyncWrites: !sync})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			now := time.Now()
			for i := range b.N {
				if err := s.CreateAuthCode(ctx, authcore.AuthCode{Hash: fmt.Sprint("c", i), ExpiresAt: now.Add(time.Minute)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.ConsumeAuthCode(ctx, fmt.Sprint("c", i), "g", now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRotateRefreshTokenParallel rotates refresh tokens from eight
// goroutines per core on a synced store: the durable path of concurrent
// refreshes, where commits can share their fsync (syncer.go).
func BenchmarkRotateRefreshTokenParallel(b *testing.B) {
	ctx := context.Background()
	s, err := Open(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	var next atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			g, h := fmt.Sprint("g", i), fmt.Sprint("rt", i)
			rt := authcore.RefreshToken{Hash: h, GrantID: g, ExpiresAt: now.Add(time.Hour)}
			if err := s.CreateGrant(ctx, authcore.Grant{ID: g, ExpiresAt: now.Add(time.Hour)}, &rt); err != nil {
				b.Fatal(err)
			}
			if _, err := s.RotateRefreshToken(ctx, h, authcore.RefreshToken{Hash: h + "'", GrantID: g, ExpiresAt: now.Add(time.Hour)},
				authcore.IssuedToken{JTI: h, ExpiresAt: now.Add(time.Hour)}, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}
