package audit

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"
)

// A cursor is a position this log vouches for: every single-bit change of
// a valid cursor, a cursor of another log and an unauthenticated cursor
// for a real position are refused; the same cursor keeps working after
// the log is reopened (the key is stored, not a constant).
func TestQueryCursorIsAuthenticated(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	l, err := Open(Options{Dir: dir, Now: c.Now, Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		c.Add(time.Second)
		l.Record(context.Background(), Event{Type: TokenIssued, Outcome: Success})
	}
	l.Flush(context.Background())
	page, err := l.Query(context.Background(), Filter{Limit: 2})
	if err != nil || page.Next == "" {
		t.Fatalf("first page: %+v %v", page, err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(page.Next)
	if err != nil {
		t.Fatal(err)
	}
	for bit := 0; bit < 8*len(raw); bit++ {
		b := append([]byte(nil), raw...)
		b[bit/8] ^= 1 << (bit % 8)
		flipped := base64.RawURLEncoding.EncodeToString(b)
		if _, err := l.Query(context.Background(), Filter{Limit: 2, Cursor: flipped}); !errors.Is(err, ErrBadCursor) {
			t.Fatalf("cursor with bit %d flipped: %v, want ErrBadCursor", bit, err)
		}
	}
	// The position alone, without the MAC (the old unauthenticated form).
	plain := base64.RawURLEncoding.EncodeToString(append([]byte{1}, raw[1:1+idLen]...))
	if _, err := l.Query(context.Background(), Filter{Cursor: plain}); !errors.Is(err, ErrBadCursor) {
		t.Errorf("unauthenticated cursor: %v", err)
	}
	other := openMem(t, Options{})
	if _, err := other.Query(context.Background(), Filter{Cursor: page.Next}); !errors.Is(err, ErrBadCursor) {
		t.Errorf("another log's cursor: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = Open(Options{Dir: dir, Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	next, err := l.Query(context.Background(), Filter{Limit: 2, Cursor: page.Next})
	if err != nil || len(next.Entries) != 2 || next.Entries[0].Seq != 3 {
		t.Fatalf("cursor after reopen: %+v %v", next, err)
	}
}

// A limit outside 1..MaxLimit is refused, not clamped; 0 means the
// default.
func TestQueryRefusesOutOfRangeLimit(t *testing.T) {
	l := openMem(t, Options{})
	l.RecordSync(context.Background(), Event{Type: AdminAction})
	for _, n := range []int{-1, -1000, MaxLimit + 1, 1 << 30} {
		if _, err := l.Query(context.Background(), Filter{Limit: n}); !errors.Is(err, ErrBadLimit) {
			t.Errorf("limit %d: %v, want ErrBadLimit", n, err)
		}
	}
	for _, n := range []int{0, 1, MaxLimit} {
		if p, err := l.Query(context.Background(), Filter{Limit: n}); err != nil || len(p.Entries) != 1 {
			t.Errorf("limit %d: %+v %v", n, p, err)
		}
	}
}
