package keys

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

func TestNewCreatesKeysBeforeFirstUse(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Algorithms = []string{ES256, EdDSA} })
	if n := e.store.putCount(); n != 1 {
		t.Fatalf("New wrote %d times, want one PutSigningKeys", n)
	}
	stored, _ := e.store.ListSigningKeys(context.Background())
	if len(stored) != 4 {
		t.Fatalf("stored %d keys, want an active and a next per algorithm", len(stored))
	}
	checkInvariants(t, e.m, e.store)
	if got := len(e.ev.Of(audit.KeyCreated)); got != 4 {
		t.Fatalf("%d key.created events, want 4", got)
	}
	// A second process on the same store creates nothing.
	e.restart(t)
	if n := e.store.putCount(); n != 1 {
		t.Fatalf("restart wrote %d times", n)
	}
	if e.m.DefaultAlgorithm() != ES256 || strings.Join(e.m.Algorithms(), ",") != "ES256,EdDSA" {
		t.Fatalf("algorithms %v", e.m.Algorithms())
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Algorithms = []string{ES256, RS256, PS256, EdDSA} })
	for _, alg := range []string{ES256, RS256, PS256, EdDSA, ""} {
		t.Run(alg, func(t *testing.T) {
			tok := e.sign(t, alg)
			var hdr map[string]string
			raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
			if err := json.Unmarshal(raw, &hdr); err != nil {
				t.Fatal(err)
			}
			want := alg
			if want == "" {
				want = ES256
			}
			active := byState(e.m, want, authcore.KeyActive)[0]
			if hdr["alg"] != want || hdr["typ"] != "at+jwt" || hdr["kid"] != active || len(hdr) != 3 {
				t.Fatalf("header %v, want alg %s kid %s", hdr, want, active)
			}
			var c jwt.RegisteredClaims
			kid, err := e.m.Verify(tok, "at+jwt", &c)
			if err != nil || kid != active || c.Subject != "alice" {
				t.Fatalf("Verify = %q, %v, sub %q", kid, err, c.Subject)
			}
			var mc = jwt.MapClaims{}
			if _, err := e.m.Verify(tok, "at+jwt", mc); err != nil || mc["sub"] != "alice" {
				t.Fatalf("Verify(MapClaims) = %v, %v", err, mc)
			}
			// One spelling per token: a line break in a segment decodes to
			// the same bytes, and is refused.
			dot := strings.LastIndexByte(tok, '.')
			for _, lb := range []string{"\n", "\r\n"} {
				if _, err := e.m.Verify(tok[:dot+5]+lb+tok[dot+5:], "at+jwt", &c); err == nil {
					t.Fatalf("a token with %q in its signature verified", lb)
				}
			}
		})
	}
}

func TestSignRefuses(t *testing.T) {
	e := newEnv(t, nil)
	now := e.clock.Now()
	cases := []struct {
		name, alg, typ string
		claims         jwt.Claims
	}{
		{"algorithm not in use", RS256, "at+jwt", claimsFor(now, time.Minute)},
		{"unknown algorithm", "HS256", "at+jwt", claimsFor(now, time.Minute)},
		{"none", "none", "at+jwt", claimsFor(now, time.Minute)},
		{"no typ", "", "", claimsFor(now, time.Minute)},
		{"no exp", "", "JWT", &jwt.RegisteredClaims{Subject: "alice"}},
		{"longer than MaxTokenLifetime", "", "JWT", claimsFor(now, e.cfg.MaxTokenLifetime+time.Second)},
	}
	for _, c := range cases {
		if tok, err := e.m.Sign(c.alg, c.typ, c.claims); err == nil || !strings.HasPrefix(err.Error(), "keys: ") {
			t.Errorf("%s: Sign = %q, %v", c.name, tok, err)
		}
	}
	if _, err := e.m.Sign("", "JWT", claimsFor(now, e.cfg.MaxTokenLifetime)); err != nil {
		t.Fatalf("exactly MaxTokenLifetime: %v", err)
	}
}

func TestVerifyTimeWithLeeway(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.sign(t, "") // exp = now + 5m, iat = now
	e.clock.Advance(5*time.Minute + 29*time.Second)
	if _, err := e.verify(tok); err != nil {
		t.Fatalf("within leeway: %v", err)
	}
	e.clock.Advance(2 * time.Second)
	_, err := e.verify(tok)
	mustErr(t, err, ErrClaims)
	mustErr(t, err, jwt.ErrTokenExpired)
}

func TestConfigRejected(t *testing.T) {
	bad := []func(*Config){
		func(c *Config) { c.Store = nil },
		func(c *Config) { c.Algorithms = []string{"HS256"} },
		func(c *Config) { c.Algorithms = []string{"none"} },
		func(c *Config) { c.Algorithms = []string{ES256, ES256} },
		func(c *Config) { c.RSABits = 1024 },
		func(c *Config) { c.RotationPeriod = time.Minute },
	}
	for i, edit := range bad {
		cfg := testConfig(newMemKeys(), testsupport.NewClock(t0), &testsupport.Events{})
		edit(&cfg)
		if _, err := New(context.Background(), cfg); err == nil || !strings.HasPrefix(err.Error(), "keys: ") {
			t.Errorf("case %d: New = %v", i, err)
		}
	}
}

func TestLiveTokens(t *testing.T) {
	e := newEnv(t, nil)
	for range 3 {
		e.sign(t, "") // 5 minutes
	}
	if _, err := e.m.Sign("", "JWT", claimsFor(e.clock.Now(), 12*time.Minute)); err != nil {
		t.Fatal(err)
	}
	live := func() int { return e.m.Keys()[0].LiveTokens }
	if got := live(); got != 4 {
		t.Fatalf("live = %d, want 4", got)
	}
	e.clock.Advance(7 * time.Minute)
	if got := live(); got != 1 {
		t.Fatalf("after 7m live = %d, want 1", got)
	}
	e.clock.Advance(6 * time.Minute)
	if got := live(); got != 0 {
		t.Fatalf("after 13m live = %d, want 0", got)
	}
}

// TestSignMapClaimsAsJSONMarshal: a jwt.MapClaims payload (ID tokens,
// logout tokens) is written by jsonenc, byte for byte what json.Marshal
// writes, whatever its values: the NumericDates as float64, strings with
// characters encoding/json escapes, lists, nested claims (address),
// booleans, and values jsonenc hands to json.Marshal.
func TestSignMapClaimsAsJSONMarshal(t *testing.T) {
	e := newEnv(t, nil)
	now := e.clock.Now()
	claims := jwt.MapClaims{
		"iss": "https://op.example/<&>", "sub": "alice\u2028", "aud": "rp", "azp": "rp",
		"iat": float64(now.Unix()), "exp": float64(now.Add(time.Minute).Unix()), "auth_time": float64(now.Unix() - 60),
		"amr": []string{"pwd", "otp"}, "email_verified": true, "ratio": 0.5, "tiny": 1e-9, "huge": 1e22,
		"address": map[string]any{"country": "NZ", "locality": "Wellington"}, "nbf": jwt.NewNumericDate(now),
		"groups": []any{"a", 1.0}, "nothing": nil,
	}
	tok, err := e.m.Sign(ES256, "JWT", claims)
	if err != nil {
		t.Fatal(err)
	}
	got, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("payload\n got %s\nwant %s", got, want)
	}
}
