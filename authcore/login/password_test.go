package login

import (
	"crypto/rand"
	"errors"
	"regexp"
	"strings"
	"testing"
)

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$`)

func TestHashVerifyRoundTrip(t *testing.T) {
	for _, p := range []Params{testParams, DefaultParams()} {
		h, err := HashPassword(rand.Reader, "s3cret passw0rd", p)
		if err != nil {
			t.Fatal(err)
		}
		if !phcRE.MatchString(h) {
			t.Fatalf("not PHC: %q", h)
		}
		for pw, want := range map[string]bool{"s3cret passw0rd": true, "s3cret passw0rD": false, "": false} {
			ok, err := VerifyPassword(h, pw)
			if err != nil || ok != want {
				t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
			}
		}
		h2, _ := HashPassword(rand.Reader, "s3cret passw0rd", p)
		if h2 == h {
			t.Error("two hashes of one password are equal: salt not random")
		}
		if needsRehash(h, p) {
			t.Error("needsRehash with the same params")
		}
	}
	if h := mustHash(t, DefaultParams()); !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("default params = %q", h)
	}
}

func mustHash(t *testing.T, p Params) string {
	t.Helper()
	h, err := HashPassword(rand.Reader, "pw", p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	good := mustHash(t, testParams)
	f := strings.Split(good, "$")
	salt, key := f[4], f[5]
	bad := map[string]string{
		"empty":         "",
		"bcrypt":        "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":       "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"version 16":    "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"no version":    "$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"params order":  "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"m zero":        "$argon2id$v=19$m=0,t=1,p=1$" + salt + "$" + key,
		"m huge":        "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key,
		"t zero":        "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"t huge":        "$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key,
		"p zero":        "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"p 300":         "$argon2id$v=19$m=64,t=1,p=300$" + salt + "$" + key,
		"m sign":        "$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key,
		"m leading 0":   "$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key,
		"extra param":   "$argon2id$v=19$m=64,t=1,p=1,k=2$" + salt + "$" + key,
		"bad salt b64":  "$argon2id$v=19$m=64,t=1,p=1$!!!!$" + key,
		"padded key":    "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "=",
		"short salt":    "$argon2id$v=19$m=64,t=1,p=1$YWJj$" + key,
		"short key":     "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$YWJjZA",
		"extra field":   good + "$x",
		"missing field": "$argon2id$v=19$m=64,t=1,p=1$" + salt,
		"no leading $":  strings.TrimPrefix(good, "$"),
		"too long":      good + strings.Repeat("A", 300),
	}
	for name, h := range bad {
		ok, err := VerifyPassword(h, "pw")
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("%s: VerifyPassword(%q) = %v, %v; want ErrMalformedHash", name, h, ok, err)
		}
	}
	if ok, err := VerifyPassword(good, "pw"); !ok || err != nil {
		t.Fatalf("control: %v %v", ok, err)
	}
}

func TestHashPasswordRejectsBadParams(t *testing.T) {
	for _, p := range []Params{{}, {Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 1 << 30, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}} {
		if _, err := HashPassword(rand.Reader, "pw", p); err == nil {
			t.Errorf("HashPassword accepted %+v", p)
		}
	}
}

// FuzzVerifyPassword checks that no stored hash, however mangled, makes
// verification panic, and that only a well-formed one can succeed.
func FuzzVerifyPassword(f *testing.F) {
	f.Add(mustHashF(f), "pw")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g", "pw")
	f.Add("$argon2id$v=19$m=,t=,p=$$", "")
	f.Add("$$$$$", "x")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$", "x")
	f.Fuzz(func(t *testing.T, stored, password string) {
		if p, _, _, err := parseHash(stored); err == nil && uint64(p.Memory)*uint64(p.Time) > 4096 {
			t.Skip("valid but too expensive for a fuzz iteration")
		}
		ok, err := VerifyPassword(stored, password)
		if err != nil && ok {
			t.Fatal("ok with an error")
		}
		if err != nil && !errors.Is(err, ErrMalformedHash) {
			t.Fatalf("unexpected error type: %v", err)
		}
		if ok && !phcRE.MatchString(stored) {
			t.Fatalf("verified against non-PHC %q", stored)
		}
	})
}

func mustHashF(f *testing.F) string {
	h, err := HashPassword(rand.Reader, "pw", testParams)
	if err != nil {
		f.Fatal(err)
	}
	return h
}
