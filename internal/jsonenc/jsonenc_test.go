package jsonenc

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// encodingJSON is jsonenc.Reference, failing t on an error.
func encodingJSON(t testing.TB, v any) []byte {
	b, err := Reference(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAppend(t *testing.T) {
	for _, v := range []any{
		nil, "", "plain", `quote " backslash \ slash /`, "<script>&amp;</script>", "\x00\x01\b\f\n\r\t\x1f\x7f",
		"\u2028\u2029 é 漢字 🔑", "bad \xff\xfe utf-8 \xc3", true, false, 0, -1, int64(1 << 62), 3.25, 1e21, 1e-7,
		[]string{}, []string(nil), []string{"a", "<b>"}, map[string]string{"z": "1", "a": "<"},
		map[string]any{}, map[string]any(nil),
		map[string]any{"active": true, "scope": "orders:read", "exp": int64(1796437831), "aud": []string{"https://api"},
			"cnf": map[string]any{"jkt": "abc"}, "details": []any{map[string]any{"type": "t", "n": 1.5}},
			"raw": json.RawMessage(`{"b":1,"a":2}`), "nil": nil, "int": 7, "ss": map[string]string{"k": "v"}},
		struct {
			A string `json:"a"`
		}{"<x>"},
	} {
		got, err := Append(nil, v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if want := encodingJSON(t, v); !bytes.Equal(got, want) {
			t.Errorf("%#v:\n got %s\nwant %s", v, got, want)
		}
	}
	if _, err := Append(nil, map[string]any{"f": func() {}}); err == nil {
		t.Error("an unencodable value gave no error")
	}
}

// FuzzAppend: for any strings and numbers in the shapes the hot paths
// write, Append writes encoding/json's bytes.
func FuzzAppend(f *testing.F) {
	f.Add("active", "orders:read <&>", "\u2028\xff", int64(42), true, 1.7e9)
	f.Add("", "", "", int64(-1), false, 0.0)
	f.Add("x", "y", "z", int64(0), true, 1e21)
	f.Add("x", "y", "z", int64(0), true, -1e-7)
	f.Add("x", "y", "z", int64(0), true, 123.456)
	f.Fuzz(func(t *testing.T, k1, s1, s2 string, n int64, b bool, x float64) {
		v := map[string]any{
			k1: s1, k1 + "x": []string{s1, s2}, "n": n, "b": b, s2: map[string]any{s1: s2, "i": int(n)},
			"m": map[string]string{s2: s1}, "f": x, "f2": float64(n), "fm": map[string]any{"e": -x},
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if _, err := Append(nil, v); err == nil {
				t.Fatalf("%v encoded without error (encoding/json refuses it)", x)
			}
			return
		}
		got, err := Append(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		if want := encodingJSON(t, v); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}
