package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// sign makes a proof with header h and claims c, signed by k as ES256
// whatever h says (so a lying alg header is tested too).
func sign(t testing.TB, k *ecdsa.PrivateKey, h, c map[string]any) string {
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(c)
	in := b64(hb) + "." + b64(cb)
	sig, err := jwt.SigningMethodES256.Sign(in, k)
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + b64(sig)
}

func TestCheck(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwk := jose.JSONWebKey{Key: &k.PublicKey}
	tp, _ := jwk.Thumbprint(crypto.SHA256)
	priv, _ := json.Marshal(jose.JSONWebKey{Key: k})
	now := time.Unix(1_800_000_000, 0)
	want := Expect{Method: "POST", URL: "https://as.example/token", Now: now}
	proof := func(edit func(h, c map[string]any)) string {
		h := map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}
		c := map[string]any{"jti": "j1", "htm": "POST", "htu": "https://as.example/token", "iat": now.Unix()}
		if edit != nil {
			edit(h, c)
		}
		return sign(t, k, h, c)
	}
	p, err := Check(proof(nil), want)
	if err != nil || p.JKT != b64(tp) || p.JTI != "j1" || !p.ReplayUntil.After(now) {
		t.Fatalf("valid proof: %+v %v", p, err)
	}
	for _, ok := range []string{"HTTPS://AS.EXAMPLE:443/token?x=1#f", "https://as.example/./token"} {
		if _, err := Check(proof(func(h, c map[string]any) { c["htu"] = ok }), want); err != nil {
			t.Errorf("htu %q: %v", ok, err)
		}
	}
	withATH := want
	withATH.AccessToken = "at"
	cases := map[string]struct {
		proof  string
		want   Expect
		reason string
	}{
		"alg none":        {proof(func(h, c map[string]any) { h["alg"] = "none" }), want, "dpop_alg"},
		"alg HS256":       {proof(func(h, c map[string]any) { h["alg"] = "HS256" }), want, "dpop_alg"},
		"typ JWT":         {proof(func(h, c map[string]any) { h["typ"] = "JWT" }), want, "dpop_typ"},
		"private d":       {proof(func(h, c map[string]any) { h["jwk"] = json.RawMessage(priv) }), want, "dpop_jwk"},
		"no jwk":          {proof(func(h, c map[string]any) { delete(h, "jwk") }), want, "dpop_jwk"},
		"bad signature":   {proof(nil)[:len(proof(nil))-4] + "AAAA", want, "dpop_signature"},
		"no jti":          {proof(func(h, c map[string]any) { delete(c, "jti") }), want, "dpop_claims"},
		"htm GET":         {proof(func(h, c map[string]any) { c["htm"] = "GET" }), want, "dpop_htm"},
		"htu other":       {proof(func(h, c map[string]any) { c["htu"] = "https://as.example/other" }), want, "dpop_htu"},
		"iat -1h":         {proof(func(h, c map[string]any) { c["iat"] = now.Add(-time.Hour).Unix() }), want, "dpop_iat"},
		"iat +1h":         {proof(func(h, c map[string]any) { c["iat"] = now.Add(time.Hour).Unix() }), want, "dpop_iat"},
		"iat string":      {proof(func(h, c map[string]any) { c["iat"] = "1800000000" }), want, "dpop_iat"},
		"crit":            {proof(func(h, c map[string]any) { h["crit"] = []string{"x"} }), want, "dpop_malformed"},
		"ath missing":     {proof(nil), withATH, "dpop_claims"},
		"ath wrong":       {proof(func(h, c map[string]any) { c["ath"] = ATH("other") }), withATH, "dpop_ath"},
		"not a JWT":       {"a.b", want, "dpop_malformed"},
		"oversize":        {string(make([]byte, DefaultMaxBytes+1)), want, "dpop_malformed"},
		"duplicate claim": {dupClaim(t, k, jwk), want, "dpop_claims"},
	}
	for name, tc := range cases {
		_, err := Check(tc.proof, tc.want)
		var pe *Error
		if !errors.As(err, &pe) || pe.Reason != tc.reason {
			t.Errorf("%s: %v, want %s", name, err, tc.reason)
		}
	}
}

func dupClaim(t *testing.T, k *ecdsa.PrivateKey, jwk jose.JSONWebKey) string {
	hb, _ := json.Marshal(map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk})
	in := b64(hb) + "." + b64([]byte(`{"jti":"a","jti":"b","htm":"POST","htu":"https://as.example/token","iat":1800000000}`))
	sig, _ := jwt.SigningMethodES256.Sign(in, k)
	return in + "." + b64(sig)
}

func TestFromHeader(t *testing.T) {
	h := http.Header{}
	if _, present, err := FromHeader(h); present || err != nil {
		t.Fatal("empty header")
	}
	h.Add("DPoP", "a")
	h.Add("DPoP", "b")
	if _, _, err := FromHeader(h); err == nil {
		t.Fatal("two DPoP headers accepted")
	}
}

func TestReplayCache(t *testing.T) {
	c, now := NewReplayCache(1), time.Now()
	if !c.Add("a", now.Add(time.Minute), now) || c.Add("a", now.Add(time.Minute), now) {
		t.Fatal("replay not detected")
	}
	if c.Add("b", now.Add(time.Minute), now) {
		t.Fatal("full cache accepted a new entry")
	}
	if !c.Add("b", now.Add(3*time.Minute), now.Add(2*time.Minute)) {
		t.Fatal("expired entry not evicted")
	}
}

// FuzzCheck: no input panics the proof validator (docs/security.md RL-14).
func FuzzCheck(f *testing.F) {
	f.Add("eyJhbGciOiJFUzI1NiJ9.e30.AAAA")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = Check(s, Expect{Method: "POST", URL: "https://as.example/token"})
		_, _ = NormalizeHTU(s)
	})
}
