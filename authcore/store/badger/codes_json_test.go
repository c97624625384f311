package badger

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeCode: decodeCode gives what json.Unmarshal gives, for the
// records put writes (json.Marshal of a codeV1, whatever its strings)
// and for any other bytes; and its fast path takes the ordinary ones.
func FuzzDecodeCode(f *testing.F) {
	f.Add("h1", "web", "https://rp.example/cb", "openid profile", "n-0", "pwd", `{"id_token":{"email":null}}`, int64(1796437831), true, []byte(`{"hash":"x","scopes":[]}`))
	f.Add("\u2028<&>", "\xff", "https://rp.example/cb?a=1&b=2", "", "", "", "", int64(-62135596800), false, []byte(`{"HASH":"x","exp":null,"consumed":null}`))
	f.Fuzz(func(t *testing.T, hash, client, redirect, scopes, nonce, amr, claims string, sec int64, consumed bool, raw []byte) {
		at := time.Unix(sec%253402300799, sec%1e9).UTC()
		c := codeV1{Hash: hash, ClientID: client, UserID: "u-" + hash, RedirectURI: redirect, Scopes: strings.Fields(scopes),
			Audience: strings.Fields(redirect), CodeChallenge: hash + nonce, Nonce: nonce, AuthTime: at, ExpiresAt: at.Add(time.Minute),
			CreatedAt: at.Local(), Consumed: consumed, GrantID: nonce, SessionID: amr, ACR: claims, AMR: strings.Split(amr, " "),
			Claims: claims, DPoPJKT: hash, Resources: strings.Fields(claims), AuthorizationDetails: claims}
		b, err := json.Marshal(c)
		if err == nil {
			checkDecodeCode(t, b)
		}
		checkDecodeCode(t, raw)
	})
}

func checkDecodeCode(t *testing.T, b []byte) {
	t.Helper()
	var want, got codeV1
	wantErr := json.Unmarshal(b, &want)
	gotErr := decodeCode(b, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%q: error %v, json.Unmarshal's %v", b, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", b, got, want)
	}
}

// TestDecodeCodeFastPath: a stored code with ordinary values is decoded
// without encoding/json, and one it cannot read plainly (an escape, a key
// of another case) is still decoded, by json.Unmarshal.
func TestDecodeCodeFastPath(t *testing.T) {
	now := time.Now()
	c := codeV1{Hash: "h", ClientID: "web", UserID: "u", RedirectURI: "https://rp.example/cb", Scopes: []string{"openid"},
		AuthTime: now, ExpiresAt: now.Add(time.Minute), CreatedAt: now, AMR: []string{"pwd"}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var r codeV1
	if !fastDecodeCode(b, &r) {
		t.Fatalf("an ordinary code took the slow path: %s", b)
	}
	for _, slow := range []string{`{"hash":"a\"b"}`, `{"Hash":"x"}`, `{"redirect_uri":"https://rp.example/cb?a=1\u0026b=2"}`} {
		if fastDecodeCode([]byte(slow), &r) {
			t.Errorf("%s took the fast path", slow)
		}
		checkDecodeCode(t, []byte(slow))
	}
}
