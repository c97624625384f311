package oauth

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/latchkey/latchkey/internal/jsonenc"
)

// encodingJSON is jsonenc.Reference, failing t on an error.
func encodingJSON(t testing.TB, v any) []byte {
	b, err := jsonenc.Reference(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTokenResponseJSON: the token response's own encoder writes what
// encoding/json writes, for every field set and for each one left empty.
// Fields are set by reflection, so a new field must be added to
// tokenResponse.appendJSON or this fails.
func TestTokenResponseJSON(t *testing.T) {
	full := tokenResponse{}
	rv := reflect.ValueOf(&full).Elem()
	for i := 0; i < rv.NumField(); i++ {
		switch f := rv.Field(i); f.Kind() {
		case reflect.String:
			f.SetString("v<" + rv.Type().Field(i).Name + ">&\u2028")
		case reflect.Int64, reflect.Int:
			f.SetInt(int64(3600 + i))
		case reflect.Slice: // json.RawMessage, compact as this server writes it
			f.SetBytes([]byte(`[{"amount":"1.00","type":"payment_initiation"}]`))
		default:
			t.Fatalf("field %s of kind %s: teach appendJSON and this test", rv.Type().Field(i).Name, f.Kind())
		}
	}
	cases := []tokenResponse{full, {}}
	for i := 0; i < rv.NumField(); i++ {
		c := full
		reflect.ValueOf(&c).Elem().Field(i).SetZero()
		cases = append(cases, c)
	}
	for _, c := range cases {
		for _, v := range []any{c, &c} {
			got, err := appendJSON(nil, v)
			if err != nil {
				t.Fatal(err)
			}
			if want := encodingJSON(t, v); !bytes.Equal(got, want) {
				t.Errorf("\n got %s\nwant %s", got, want)
			}
		}
	}
}

// The answers of the hot endpoints are written without allocating beyond
// the buffer: the token response and a map of the introspection's kinds
// take the direct path, not json.Marshal.
func TestAppendJSONDirect(t *testing.T) {
	buf := make([]byte, 0, 4096)
	tr := &tokenResponse{AccessToken: "a.b.c", TokenType: "Bearer", ExpiresIn: 300, Scope: "orders:read"}
	if n := testing.AllocsPerRun(100, func() { _, _ = appendJSON(buf[:0], tr) }); n != 0 {
		t.Errorf("token response: %.0f allocations, want 0 (json.Marshal took it)", n)
	}
	m := map[string]any{"active": true, "exp": int64(1), "aud": []string{"x"}}
	if n := testing.AllocsPerRun(100, func() { _, _ = appendJSON(buf[:0], m) }); n > 1 { // the sorted keys
		t.Errorf("introspection map: %.0f allocations, want at most 1", n)
	}
}
