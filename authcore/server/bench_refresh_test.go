package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
)

// familyRotations is how often a refresh family is rotated before the
// benchmarks start a new one, as lkbench's clients do: each rotation
// records its access token on the grant.
const familyRotations = 20

// rotator drives refresh rotations in process on what `latchkey serve`
// runs: an encrypted, synced store and audit log on disk.
type rotator struct {
	bc       benchClient
	families atomic.Int64
	// newFamily makes a grant with its first refresh token, as a code
	// redemption does, and returns the token.
	newFamily func() string
}

func newRotator(b *testing.B) *rotator {
	ctx := context.Background()
	st, alog := diskStoreAndAudit(b)
	srv, err := server.New(ctx, server.Config{Issuer: "http://127.0.0.1:1", Store: st, Audit: alog, Logger: zerolog.Nop(),
		Policy: server.Policy{TokenRateClient: "off", TokenRateIP: "off"}})
	if err != nil {
		b.Fatal(err)
	}
	c, secret, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "web", Type: authcore.Confidential,
		RedirectURIs: []string{"https://app.example/cb"}, Scopes: []string{"openid", "offline_access"}})
	if err != nil {
		b.Fatal(err)
	}
	r := &rotator{bc: benchClient{h: server.Middleware(zerolog.Nop(), srv.Handler()), id: c.ID, secret: secret}}
	now := time.Now()
	r.newFamily = func() string {
		family := r.families.Add(1)
		value := fmt.Sprint("bench-refresh-token-", family)
		sum := sha256.Sum256([]byte(value))
		g := authcore.Grant{ID: fmt.Sprint("g", family), ClientID: c.ID, UserID: "u1", Scopes: []string{"openid", "offline_access"},
			AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
		rt := authcore.RefreshToken{Hash: hex.EncodeToString(sum[:]), GrantID: g.ID, ClientID: c.ID, UserID: g.UserID,
			Scopes: g.Scopes, ExpiresAt: g.ExpiresAt, CreatedAt: now}
		if err := st.CreateGrant(ctx, g, &rt); err != nil {
			b.Error(err)
		}
		return value
	}
	return r
}

// rotate redeems cur and returns its successor.
func (r *rotator) rotate(b *testing.B, cur string) string {
	rec := r.bc.post("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {cur}}.Encode())
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &tok) != nil || tok.RefreshToken == "" {
		b.Errorf("%d %s", rec.Code, rec.Body)
		return ""
	}
	return tok.RefreshToken
}

// BenchmarkRefreshRotation measures a durable refresh-token rotation (no
// network), one at a time: each request rotates the token the previous
// one returned (one synced commit). cpu-µs/op leaves out the grants
// made every familyRotations requests, as the timer does.
func BenchmarkRefreshRotation(b *testing.B) {
	r := newRotator(b)
	var cur string
	var setup time.Duration // CPU of newFamily, left out of cpu-µs/op
	rotations := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		if rotations%familyRotations == 0 {
			b.StopTimer()
			t := processCPU()
			cur = r.newFamily()
			setup += processCPU() - t
			b.StartTimer()
		}
		rotations++
		if cur = r.rotate(b, cur); cur == "" {
			b.FailNow()
		}
	}
	reportCPU(b, cpu+setup)
}

// BenchmarkRefreshRotation8 is BenchmarkRefreshRotation with 8 clients
// per GOMAXPROCS rotating their own families at once (lkbench's refresh8
// at -cpu 1), so their commits share syncs (group commit). cpu-µs/op
// includes a grant made every familyRotations rotations (1/20 of a
// synced commit each).
func BenchmarkRefreshRotation8(b *testing.B) {
	r := newRotator(b)
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		var cur string
		for i := 0; pb.Next(); i++ {
			if i%familyRotations == 0 {
				cur = r.newFamily()
			}
			if cur = r.rotate(b, cur); cur == "" {
				return
			}
		}
	})
	reportCPU(b, cpu)
}
