package audit

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// sameAsEncodingJSON fails t unless appendEntryBody writes what
// json.Marshal writes for the body, and fails (or not) as it does.
func sameAsEncodingJSON(t *testing.T, seq uint64, prev string, e Event) {
	t.Helper()
	want, werr := json.Marshal(entryBody{Seq: seq, PrevHash: prev, Event: e})
	got, gerr := appendEntryBody(nil, seq, prev, &e)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("%+v: encoding/json error %v, appendEntryBody error %v", e, werr, gerr)
	}
	if werr == nil && !bytes.Equal(got, want) {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

// TestEntryBodyJSONEveryField sets every field of Event by reflection, so
// a field added to Event and not to appendEntryBody fails here; then
// leaves each one empty in turn (omitempty).
func TestEntryBodyJSONEveryField(t *testing.T) {
	full := Event{}
	rv := reflect.ValueOf(&full).Elem()
	for i := 0; i < rv.NumField(); i++ {
		f, name := rv.Field(i), rv.Type().Field(i).Name
		switch {
		case f.Type() == reflect.TypeOf(time.Time{}):
			f.Set(reflect.ValueOf(time.Date(2026, 12, 6, 3, 4, 5, 678900, time.UTC)))
		case f.Kind() == reflect.String:
			f.SetString("v<" + name + `>&"\` + "\u2028\xff")
		case f.Type() == reflect.TypeOf(map[string]any(nil)):
			f.Set(reflect.ValueOf(map[string]any{"jti": "j<1>", "n": 3, "ok": true, "list": []string{"a", "&"},
				"f": 1.5, "nested": map[string]any{"z": nil, "a": int64(-7)}}))
		default:
			t.Fatalf("field %s of type %s: teach appendEntryBody and this test", name, f.Type())
		}
	}
	sameAsEncodingJSON(t, 42, genesisHash, full)
	sameAsEncodingJSON(t, 0, "", Event{})
	for i := 0; i < rv.NumField(); i++ {
		e := full
		reflect.ValueOf(&e).Elem().Field(i).SetZero()
		sameAsEncodingJSON(t, 1<<63, "ab", e)
	}
	e := full
	e.Details = map[string]any{}
	sameAsEncodingJSON(t, 7, "x", e)
}

// TestEntryBodyJSONTimes: times outside UTC, and years encoding/json
// refuses, are written (or refused) as it does.
func TestEntryBodyJSONTimes(t *testing.T) {
	for _, tm := range []time.Time{
		{}, time.Unix(0, 0), time.Unix(0, 0).UTC(), time.Unix(1<<62, 0).UTC(),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 5*3600+1800)),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("far", 25*3600)),
	} {
		sameAsEncodingJSON(t, 1, "p", Event{Time: tm, Type: TokenIssued, Outcome: "success"})
	}
	if _, err := appendEntryBody(nil, 1, "p", &Event{Details: map[string]any{"f": func() {}}}); err == nil {
		t.Error("unencodable details gave no error")
	}
}

// FuzzEntryBodyJSON: for any strings, numbers and times, appendEntryBody
// writes encoding/json's bytes.
func FuzzEntryBodyJSON(f *testing.F) {
	f.Add(uint64(1), "0000", int64(1796437831000000123), 0, "token.issued", "svc<&>", "\u2028\xff", "k", int64(3), true)
	f.Add(uint64(0), "", int64(-1), -3600, "", "", "", "", int64(0), false)
	f.Fuzz(func(t *testing.T, seq uint64, prev string, ns int64, offset int, typ, s1, s2, k string, n int64, b bool) {
		tm := time.Unix(0, ns).UTC()
		if offset != 0 {
			tm = tm.In(time.FixedZone("z", offset))
		}
		e := Event{Time: tm, Type: Type(typ), Outcome: Outcome(s1), Actor: s2, Subject: s1, ClientID: k,
			KeyID: s2, Reason: s1 + s2, RemoteIP: k, UserAgent: s2, RequestID: s1, Node: k}
		if k != "" || b {
			e.Details = map[string]any{k: s1, k + "x": []string{s1, s2}, "n": n, "b": b, s2: int(n)}
		}
		sameAsEncodingJSON(t, seq, prev, e)
		// And the stored line reads back to the same event.
		line, h, err := encodeEntry(seq, prev, e)
		if err != nil {
			t.Fatal(err)
		}
		en, err := decodeEntry(line)
		if err != nil {
			t.Fatal(err)
		}
		if en.Seq != seq || en.Hash != h {
			t.Fatalf("read back seq %d hash %s, wrote %d %s", en.Seq, en.Hash, seq, h)
		}
	})
}
