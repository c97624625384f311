package audit

import (
	"bytes"
	"context"
	"github.com/dgraph-io/badger/v4"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openMem opens a log for one test: in memory on Badger, or on a fresh
// schema of the package's PostgreSQL cluster when LATCHKEY_TEST_STORE is
// "postgres" (the same switch as the server suites), so the suites that
// use it run on both backends.
func openMem(t testing.TB, opt Options) *Log {
	t.Helper()
	if os.Getenv("LATCHKEY_TEST_STORE") == "postgres" {
		return openPG(t, opt)
	}
	return openBadgerMem(t, opt)
}

// openBadgerMem opens an in-memory Badger log (the tests that reach into
// Badger's keys).
func openBadgerMem(t testing.TB, opt Options) *Log {
	t.Helper()
	opt.InMemory = true
	l, err := Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestRecordQueryRoundTrip(t *testing.T) {
	c := newClock()
	var mirror bytes.Buffer
	l := openMem(t, Options{Now: c.Now, Mirror: &mirror})
	ctx := WithRequest(context.Background(), RequestInfo{ID: "req-1", RemoteIP: "192.0.2.7", UserAgent: "ua"})
	l.Record(ctx, Event{Type: LoginFailed, Outcome: Failure, Subject: "alice", Reason: "bad_password"})
	c.Add(time.Second)
	if err := l.RecordSync(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "app",
		Details: map[string]any{"scope": "openid admin", "grant_type": "authorization_code"}}); err != nil {
		t.Fatal(err)
	}
	page, err := l.Query(context.Background(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 2 || page.Next != "" {
		t.Fatalf("page = %+v", page)
	}
	got := page.Entries[0]
	if got.Seq != 2 || got.Type != TokenIssued || got.RequestID != "req-1" || got.RemoteIP != "192.0.2.7" {
		t.Errorf("newest = %+v", got)
	}
	if !got.Time.Equal(c.Now()) || got.PrevHash != page.Entries[1].Hash {
		t.Errorf("time %v or link %q wrong", got.Time, got.PrevHash)
	}
	lines := strings.Split(strings.TrimSpace(mirror.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], `"hash":"`+got.Hash+`"`) {
		t.Errorf("mirror = %q", mirror.String())
	}
	r, err := l.Verify(context.Background())
	if err != nil || !r.OK || r.Checked != 2 {
		t.Errorf("verify = %+v, %v", r, err)
	}
}

func TestReopenContinuesChain(t *testing.T) {
	dir := t.TempDir()
	for round := 0; round < 2; round++ {
		l, err := Open(Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 10; i++ {
			l.Record(context.Background(), Event{Type: AdminAction, Outcome: Success})
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	l, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, err := l.Verify(context.Background())
	if err != nil || !r.OK || r.Checked != 20 || r.Last != 20 {
		t.Fatalf("verify = %+v, %v", r, err)
	}
}

func TestRecordBlocksWhenBufferFull(t *testing.T) {
	l := openMem(t, Options{BufferSize: 4, MaxBatch: 1})
	gate := make(chan struct{})
	var once sync.Once
	l.AddObserver(ObserverFunc(func(Event) { once.Do(func() { <-gate }) }))
	const total = 50
	done := make(chan struct{})
	go func() {
		for i := 0; i < total; i++ {
			l.Record(context.Background(), Event{Type: AdminAction, Outcome: Success, Details: map[string]any{"i": i}})
		}
		close(done)
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("Record returned although the writer was stuck and the buffer full")
	default:
	}
	if q := l.Stats().Queued; q != 4 {
		t.Errorf("queued = %d, want the full buffer of 4", q)
	}
	close(gate)
	<-done
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	if st.Recorded != total || st.Lost != 0 || st.HeadSeq != total {
		t.Fatalf("stats = %+v, want %d recorded and none lost", st, total)
	}
	page, _ := l.Query(context.Background(), Filter{Limit: MaxLimit})
	if len(page.Entries) != total {
		t.Fatalf("stored %d events, want %d", len(page.Entries), total)
	}
}

func TestRecordAfterCloseIsCountedLost(t *testing.T) {
	l := openMem(t, Options{})
	l.Record(context.Background(), Event{Type: AdminAction})
	l.Close()
	l.Record(context.Background(), Event{Type: AdminAction})
	if err := l.RecordSync(context.Background(), Event{Type: AdminAction}); err != ErrClosed {
		t.Errorf("RecordSync after Close = %v", err)
	}
	if st := l.Stats(); st.Recorded != 1 || st.Lost != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestClockStepBackKeepsOrder(t *testing.T) {
	c := newClock()
	l := openMem(t, Options{Now: c.Now})
	l.Record(context.Background(), Event{Type: AdminAction})
	c.Add(-time.Hour)
	l.RecordSync(context.Background(), Event{Type: AdminAction})
	page, _ := l.Query(context.Background(), Filter{})
	if len(page.Entries) != 2 || page.Entries[0].Seq != 2 || page.Entries[0].Time.Before(page.Entries[1].Time) {
		t.Fatalf("entries = %+v", page.Entries)
	}
}

// bdb is the Badger database under a log opened with Open (the tests
// that tamper with stored keys).
func (l *Log) bdb() *badger.DB { return l.b.(*badgerBackend).db }
