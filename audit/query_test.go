package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

var (
	genTypes    = []Type{LoginFailed, LoginSucceeded, TokenIssued, ClientAuthFailed, GatewayDenied}
	genClients  = []string{"", "app", "cli", "svc", "web", "bot"}
	genSubjects = []string{"", "alice", "bob", "carol", "dave", "erin", "frank", "grace"}
	genIPs      = []string{"", "192.0.2.1", "192.0.2.2", "2001:db8::1"}
)

// canned expressions and their independent Go equivalents.
var genExprs = []struct {
	expr string
	ok   func(Event) bool
}{
	{"", func(Event) bool { return true }},
	{`details.scope%"*admin*"`, func(e Event) bool {
		switch s := e.Details["scope"].(type) {
		case string:
			return strings.Contains(s, "admin")
		case []any:
			for _, x := range s {
				if strings.Contains(x.(string), "admin") {
					return true
				}
			}
		}
		return false
	}},
	{"details.n>=50", func(e Event) bool { return num(e) >= 50 }},
	{"details.n<10 || type==token.issued", func(e Event) bool { return num(e) < 10 || e.Type == TokenIssued }},
	{"!details.scope && outcome!=success", func(e Event) bool { return e.Details["scope"] == nil && e.Outcome != Success }},
}

func num(e Event) float64 { return e.Details["n"].(float64) }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.Intn(len(xs))] }

func genEvent(r *rand.Rand) Event {
	e := Event{
		Type: pick(r, genTypes), Outcome: pick(r, []Outcome{Success, Failure}),
		ClientID: pick(r, genClients), Subject: pick(r, genSubjects), RemoteIP: pick(r, genIPs),
		Details: map[string]any{"n": r.Intn(100)},
	}
	switch r.Intn(4) {
	case 0:
		e.Details["scope"] = "openid admin"
	case 1:
		e.Details["scope"] = []string{"profile", "x-admin"}
	case 2:
		e.Details["scope"] = "openid"
	}
	return e
}

func TestQueryMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	c := newClock()
	l := openMem(t, Options{Now: c.Now, Retention: -1})
	start := c.Now()
	for i := 0; i < 3000; i++ {
		c.Add(time.Duration(r.Intn(3)) * time.Second) // equal times happen
		l.Record(context.Background(), genEvent(r))
	}
	l.Flush(context.Background())
	var buf bytes.Buffer
	if n, err := l.Export(context.Background(), time.Time{}, time.Time{}, &buf); err != nil || n != 3000 {
		t.Fatalf("export %d, %v", n, err)
	}
	var all []Entry // newest first
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		en, err := decodeEntry(line)
		if err != nil {
			t.Fatal(err)
		}
		all = append([]Entry{en}, all...)
	}
	span := c.Now().Sub(start)
	for round := 0; round < 150; round++ {
		f, want := randomFilter(r, start, span, all)
		var got []uint64
		seen := map[uint64]bool{}
		for pages := 0; ; pages++ {
			page, err := l.Query(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, en := range page.Entries {
				if seen[en.Seq] {
					t.Fatalf("round %d: seq %d twice", round, en.Seq)
				}
				seen[en.Seq] = true
				got = append(got, en.Seq)
			}
			if page.Next == "" {
				break
			}
			if len(page.Entries) != f.Limit && !(f.Limit == 0 && len(page.Entries) == DefaultLimit) {
				t.Fatalf("short page with a cursor")
			}
			f.Cursor = page.Next
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round %d filter %+v:\n got %v\nwant %v", round, f, got, want)
		}
	}
}

func randomFilter(r *rand.Rand, start time.Time, span time.Duration, all []Entry) (Filter, []uint64) {
	f := Filter{Limit: pick(r, []int{0, 1, 7, 50, 333})}
	if r.Intn(3) == 0 {
		f.From = start.Add(time.Duration(r.Int63n(int64(span))))
	}
	if r.Intn(3) == 0 {
		f.To = start.Add(time.Duration(r.Int63n(int64(span))))
	}
	for i := r.Intn(3); i > 0; i-- {
		f.Types = append(f.Types, pick(r, genTypes))
	}
	if r.Intn(3) == 0 {
		f.Outcome = pick(r, []Outcome{Success, Failure})
	}
	if r.Intn(3) == 0 {
		f.ClientID = pick(r, genClients[1:])
	}
	if r.Intn(3) == 0 {
		f.Subject = pick(r, genSubjects[1:])
	}
	if r.Intn(4) == 0 {
		f.RemoteIP = pick(r, genIPs[1:])
	}
	x := pick(r, genExprs)
	f.Expr = x.expr
	var want []uint64
	for _, en := range all {
		e := en.Event
		ok := (f.From.IsZero() || !e.Time.Before(f.From)) && (f.To.IsZero() || e.Time.Before(f.To)) &&
			(f.Outcome == "" || e.Outcome == f.Outcome) && (f.ClientID == "" || e.ClientID == f.ClientID) &&
			(f.Subject == "" || e.Subject == f.Subject) && (f.RemoteIP == "" || e.RemoteIP == f.RemoteIP) && x.ok(e)
		if ok && len(f.Types) > 0 {
			ok = false
			for _, t := range f.Types {
				ok = ok || e.Type == t
			}
		}
		if ok {
			want = append(want, en.Seq)
		}
	}
	return f, want
}

func TestQueryRejectsBadInput(t *testing.T) {
	l := openMem(t, Options{})
	for _, x := range []string{`details.scope%`, `details..x==1`, `==1`, `a=="unterminated`, `a==1 &&`, `a==1 b==2`, `.a`, `a|@reverse`, `a==1 || `} {
		if _, err := l.Query(context.Background(), Filter{Expr: x}); !errors.Is(err, ErrBadExpression) {
			t.Errorf("Expr %q: err = %v, want ErrBadExpression", x, err)
		}
	}
	for _, c := range []string{"x", "AQ", strings.Repeat("A", 23), "AQAAAAAAAAAAAAAAAAAAAAAA", "AgAAAAAAAAAAAAAAAAAAAAAB", "v1/ev/"} {
		if _, err := l.Query(context.Background(), Filter{Cursor: c}); !errors.Is(err, ErrBadCursor) {
			t.Errorf("Cursor %q: err = %v, want ErrBadCursor", c, err)
		}
	}
}
