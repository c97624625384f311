package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore/keys"
)

// SignRate measures how many access tokens per second one goroutine signs
// with alg through keys.Manager.Sign: the claims of a client_credentials
// token, a fresh key of the default size. It runs on the calling thread,
// which lkbench has pinned to one core.
func SignRate(ctx context.Context, open OpenStore, alg string, p Plan) (Figure, error) {
	st, err := open("", nil, false)
	if err != nil {
		return Figure{}, err
	}
	defer st.Close()
	m, err := keys.New(ctx, keys.Config{Store: st, Algorithms: []string{alg}, Logger: zerolog.Nop(), Issuer: "http://127.0.0.1:1"})
	if err != nil {
		return Figure{}, err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	now := time.Now()
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "http://127.0.0.1:1", Subject: "afKE8kFdtNskf_m94VxbDA", Audience: jwt.ClaimStrings{"http://127.0.0.1:1"},
			ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)), IssuedAt: jwt.NewNumericDate(now), ID: "bSJdvnHE-fTFUOxrWE9lUQ",
		},
		ClientID: "afKE8kFdtNskf_m94VxbDA", Scope: "orders:read",
	}
	f := Figure{Name: "limit: " + alg + " signatures (1 goroutine)", Conc: 1}
	var p50s []time.Duration
	for run := 0; run <= p.Runs; run++ {
		d := p.Duration
		if run == 0 {
			d = p.Warmup / 2
		}
		lat := make([]time.Duration, 0, 1<<14)
		start := time.Now()
		for time.Since(start) < d {
			t0 := time.Now()
			if _, err := m.Sign(alg, "at+jwt", claims); err != nil {
				return f, err
			}
			lat = append(lat, time.Since(t0))
		}
		if run > 0 {
			f.Runs = append(f.Runs, float64(len(lat))/time.Since(start).Seconds())
			p50s = append(p50s, percentile(lat, 0.5))
		}
	}
	f.Rate, f.P50 = median(f.Runs), median(p50s)
	return f, nil
}

// accessClaims are the claims of a client_credentials access token
// (RFC 9068 §2.2).
type accessClaims struct {
	jwt.RegisteredClaims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
}

// SyncedWrite measures the latency of one synced store write, n times in
// a row: PutSetting on a fresh encrypted store in dir (synced writes on,
// as the server runs). Rate is 1/p50: the synced writes per second
// without any sharing of syncs.
func SyncedWrite(open OpenStore, dir string, n int) (Figure, error) {
	key := make([]byte, 32)
	randRead(key)
	st, err := open(dir, key, false)
	if err != nil {
		return Figure{}, err
	}
	defer os.RemoveAll(dir)
	defer st.Close()
	ctx := context.Background()
	val := make([]byte, 200)
	lat := make([]time.Duration, 0, n)
	for i := 0; i < n+10; i++ {
		randRead(val)
		t0 := time.Now()
		if err := st.PutSetting(ctx, fmt.Sprintf("bench.%d", i%50), val); err != nil {
			return Figure{}, err
		}
		if i >= 10 {
			lat = append(lat, time.Since(t0))
		}
	}
	f := Figure{Name: "limit: one synced Badger write", Conc: 1}
	f.P50, f.P99 = percentile(lat, 0.5), percentile(lat, 0.99)
	f.Rate = 1 / f.P50.Seconds()
	f.Runs = []float64{f.Rate}
	return f, nil
}
