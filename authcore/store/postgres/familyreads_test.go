package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/latchkey/latchkey/authcore"
)

// TestFamilyReadGroups: reads sent as one pipeline answer each caller
// what a read of its own would have (the right row to the right caller,
// not found as not found, an expired grant as nil), a group whose
// statement fails is answered read by read (so one bad read costs the
// others nothing), and a caller that gives up is not kept waiting.
func TestFamilyReadGroups(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	now := time.Now()
	family := func(id string, grantExp, tokenExp time.Time) string {
		t.Helper()
		return createFamily(t, s, id, "u-"+id, now, grantExp, tokenExp).Hash
	}
	hour := now.Add(time.Hour)
	hashes := []string{family("live1", hour, hour), "unknown", family("live2", hour, hour),
		family("oldgrant", now.Add(-time.Minute), hour), family("oldtoken", hour, now.Add(-time.Minute))}
	type answer struct {
		user  string
		grant string
		err   error
	}
	alone := map[string]answer{}
	for _, h := range hashes {
		rt, g, err := scanFamily(s.pool.QueryRow(ctx, familySQL, h, now))
		a := answer{user: rt.UserID, err: err}
		if g != nil {
			a.grant = g.ID
		}
		alone[h] = a
	}
	if a := alone[hashes[0]]; a.err != nil || a.grant != "live1" || a.user != "u-live1" {
		t.Fatalf("live family read alone: %+v", a)
	}
	if a := alone["unknown"]; !errors.Is(a.err, authcore.ErrNotFound) {
		t.Fatalf("unknown token read alone: %+v", a)
	}
	if a := alone[hashes[3]]; a.err != nil || a.grant != "" {
		t.Fatalf("expired grant read alone: %+v", a)
	}
	got := func(r *familyRead) answer {
		a := answer{user: r.rt.UserID, err: r.err}
		if r.g != nil {
			a.grant = r.g.ID
		}
		return a
	}
	reqs := func(hs ...string) []*familyRead {
		var out []*familyRead
		for _, h := range hs {
			out = append(out, &familyRead{ctx: ctx, hash: h, now: now, done: make(chan struct{})})
		}
		return out
	}

	// One pipeline, every kind of answer, each to its own caller.
	group := reqs(hashes...)
	if err := s.reads.runGroup(group); err != nil {
		t.Fatalf("runGroup: %v", err)
	}
	for i, r := range group {
		if a, want := got(r), alone[hashes[i]]; a.user != want.user || a.grant != want.grant || !errors.Is(a.err, want.err) && a.err != want.err {
			t.Errorf("grouped read of %s: %+v, alone %+v", hashes[i], a, want)
		}
	}

	// A statement that fails fails the pipeline; each read then runs on
	// its own and only the bad one gets the error.
	bad := familyReads{pool: s.pool, sql: familySQL + ` AND 1 / (CASE WHEN $1 = 'boom' THEN 0 ELSE 1 END) = 1`}
	group = reqs(hashes[0], "boom", "unknown")
	if err := bad.runGroup(group); err == nil {
		t.Fatal("a pipeline with a failing statement succeeded")
	}
	bad.run(group)
	if a := got(group[0]); a.err != nil || a.grant != "live1" {
		t.Errorf("a good read in a failed group: %+v", a)
	}
	if a := got(group[1]); a.err == nil || errors.Is(a.err, authcore.ErrNotFound) {
		t.Errorf("the failing read: %+v, want its error", a)
	}
	if a := got(group[2]); !errors.Is(a.err, authcore.ErrNotFound) {
		t.Errorf("an unknown token in a failed group: %+v", a)
	}

	// A caller whose context ends stops waiting, even while a group
	// holds the database (here: a read that sleeps).
	slow := familyReads{pool: s.pool, sql: familySQL + ` AND pg_sleep(CASE WHEN $1 = '` + hashes[2] + `' THEN 1 ELSE 0 END) IS NOT NULL`}
	slept := make(chan error, 1)
	go func() {
		_, _, err := slow.read(&familyRead{ctx: ctx, hash: hashes[2], now: now})
		slept <- err
	}()
	defer func() {
		if err := <-slept; err != nil {
			t.Errorf("the slow read: %v", err)
		}
	}()
	time.Sleep(100 * time.Millisecond)
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, _, err := slow.read(&familyRead{ctx: cctx, hash: hashes[0], now: now}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("read with a 100 ms deadline behind a 1 s read: %v", err)
	}
	if d := time.Since(start); d > 700*time.Millisecond {
		t.Errorf("the caller waited %v past its deadline", d)
	}

	// Concurrent callers through GetRefreshFamily.
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := hashes[i%len(hashes)]
			rt, g, err := s.GetRefreshFamily(ctx, h)
			a := answer{user: rt.UserID, err: err}
			if g != nil {
				a.grant = g.ID
			}
			if want := alone[h]; a.user != want.user || a.grant != want.grant || !errors.Is(a.err, want.err) && a.err != want.err {
				t.Errorf("%s: %+v, alone %+v", h, a, want)
			}
		}()
	}
	wg.Wait()
}

// TestGroupedStatementsTraced: a traced request whose read or rotation
// went to the database in a group still has its store.query span, as a
// statement of its own would (trace.go: groupSpans); untraced callers in
// the same group get none.
func TestGroupedStatementsTraced(t *testing.T) {
	s := openTest(t, Options{})
	now := time.Now()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	traced, parent := tp.Tracer("test").Start(context.Background(), "POST /token")
	plain := context.Background()

	var reqs []*familyRead
	for i, ctx := range []context.Context{traced, plain, traced} {
		reqs = append(reqs, &familyRead{ctx: ctx, hash: fmt.Sprint("none-", i), now: now, done: make(chan struct{})})
	}
	if err := s.reads.runGroup(reqs); err != nil {
		t.Fatal(err)
	}
	parent.End()
	var queries int
	for _, sp := range rec.Ended() {
		if sp.Name() != "store.query" {
			continue
		}
		queries++
		if sp.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("a store.query span outside the request's span")
		}
		var size int64
		for _, a := range sp.Attributes() {
			if a.Key == "db.group_size" {
				size = a.Value.AsInt64()
			}
		}
		if size != 3 {
			t.Errorf("db.group_size %d, want 3", size)
		}
	}
	if queries != 2 {
		t.Errorf("%d store.query spans for a group of three reads, two of them traced; want 2", queries)
	}
}
