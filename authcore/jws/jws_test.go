package jws

import (
	"encoding/base64"
	"strings"
	"testing"
)

func seg(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestParse(t *testing.T) {
	hdr := seg(`{"alg":"ES256","typ":"at+jwt","kid":"k1"}`)
	body := seg(`{"sub":"alice"}`)
	sig := seg("sig")
	good := hdr + "." + body + "." + sig
	j, err := Parse(good, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if j.Header.Alg != "ES256" || j.Header.Kid != "k1" || j.Header.Typ != "at+jwt" ||
		string(j.Payload) != `{"sub":"alice"}` || j.SigningString != hdr+"."+body || string(j.Sig) != "sig" {
		t.Fatalf("parsed %+v", j)
	}
	deep := `{"alg":"ES256","x":` + strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1) + `}`
	bad := map[string]string{
		"empty":              "",
		"too long":           good + strings.Repeat("A", 1024),
		"two segments":       hdr + "." + body,
		"four segments":      good + "." + sig,
		"empty signature":    hdr + "." + body + ".",
		"empty header":       "." + body + "." + sig,
		"padding":            hdr + "." + body + "." + sig + "=",
		"standard base64":    hdr + "." + body + "." + "a+b/",
		"non-canonical bits": hdr + "." + body + "." + "AB",
		"header not object":  seg(`["ES256"]`) + "." + body + "." + sig,
		"duplicate alg":      seg(`{"alg":"ES256","alg":"none"}`) + "." + body + "." + sig,
		"crit":               seg(`{"alg":"ES256","crit":["exp"]}`) + "." + body + "." + sig,
		"b64":                seg(`{"alg":"ES256","b64":false}`) + "." + body + "." + sig,
		"zip":                seg(`{"alg":"ES256","zip":"DEF"}`) + "." + body + "." + sig,
		"enc":                seg(`{"alg":"RSA-OAEP","enc":"A256GCM"}`) + "." + body + "." + sig,
		"too deep":           seg(deep) + "." + body + "." + sig,
		"trailing data":      seg(`{"alg":"ES256"} {}`) + "." + body + "." + sig,
	}
	for name, tok := range bad {
		if _, err := Parse(tok, 1024); err != ErrMalformed {
			t.Errorf("%s: err %v, want ErrMalformed", name, err)
		}
	}
}

func TestStrictUnmarshal(t *testing.T) {
	var v map[string]any
	for _, in := range []string{`{"a":{"b":1,"b":2}}`, `{"a":[{"x":1,"x":1}]}`, `[]`, `{"a":1`, ``, `{"a":1}x`} {
		if err := StrictUnmarshal([]byte(in), &v); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	if err := StrictUnmarshal([]byte(`{"a":{"b":1,"c":[1,{"b":2}]}}`), &v); err != nil {
		t.Fatal(err)
	}
}

func TestTypIs(t *testing.T) {
	for typ, want := range map[string]bool{"at+jwt": true, "AT+JWT": true, "application/at+jwt": true,
		"jwt": false, "": false, "application/jwt": false} {
		if TypIs(typ, "at+jwt") != want {
			t.Errorf("TypIs(%q) != %v", typ, want)
		}
	}
}

// FuzzParse: no input panics, and what parses has the shape promised.
func FuzzParse(f *testing.F) {
	f.Add(seg(`{"alg":"ES256"}`) + "." + seg(`{}`) + "." + seg("s"))
	f.Add("a.b.c")
	f.Add(seg(`{"alg":"ES256","x":[[[[{}]]]]}`) + ".." + seg("s"))
	f.Fuzz(func(t *testing.T, tok string) {
		j, err := Parse(tok, 4096)
		if err != nil {
			return
		}
		if !strings.HasPrefix(tok, j.SigningString+".") || strings.Count(j.SigningString, ".") != 1 {
			t.Fatalf("signing string %q of %q", j.SigningString, tok)
		}
	})
}
