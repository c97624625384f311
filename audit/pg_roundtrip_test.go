package audit

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// statementCounter counts the statements a pool sends (BEGIN and COMMIT
// included: pgx sends them as statements).
// It also keeps the synchronous_commit of each audit batch, and counts
// the syncs.
type statementCounter struct {
	n     atomic.Int64
	mu    sync.Mutex
	modes []string
	syncs int
}

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case d.SQL == pgCommit:
		c.modes = append(c.modes, d.Args[len(d.Args)-1].(string))
	case strings.Contains(d.SQL, "txid_current"):
		c.syncs++
	}
	return ctx
}

func (c *statementCounter) take() (modes []string, syncs int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	modes, syncs = c.modes, c.syncs
	c.modes, c.syncs = nil, 0
	return modes, syncs
}
func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestPostgresBatchIsOneStatement: a batch of events (one synced event
// here) costs the database one statement, one round trip and one WAL
// flush, not BEGIN, the head's UPDATE, the INSERT and COMMIT.
func TestPostgresBatchIsOneStatement(t *testing.T) {
	l, counter := tracedPG(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		before := counter.n.Load()
		if err := l.RecordSync(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "svc"}); err != nil {
			t.Fatal(err)
		}
		if n := counter.n.Load() - before; n != 1 {
			t.Fatalf("event %d: %d statements, want 1", i, n)
		}
	}
	if res, err := l.Verify(ctx); err != nil || !res.OK || res.Checked != 5 {
		t.Fatalf("verify: %+v, %v: want 5 events chained", res, err)
	}
}

// TestPostgresDurability: as on Badger, an event a caller waits for
// (RecordSync) is committed synchronously (durable when the call
// returns), the others asynchronously, and Flush makes those durable
// with one synchronous transaction; with nothing left to flush it sends
// none.
func TestPostgresDurability(t *testing.T) {
	l, counter := tracedPG(t)
	ctx := context.Background()
	if err := l.RecordSync(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "svc"}); err != nil {
		t.Fatal(err)
	}
	if modes, syncs := counter.take(); !slices.Equal(modes, []string{"on"}) || syncs != 0 {
		t.Fatalf("RecordSync: batches committed %v with %d syncs, want [on] and none", modes, syncs)
	}
	l.Record(ctx, Event{Type: TokenIssued, Outcome: Success, ClientID: "svc"})
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if modes, syncs := counter.take(); !slices.Equal(modes, []string{"off"}) || syncs != 1 {
		t.Fatalf("Record then Flush: batches committed %v with %d syncs, want [off] synced once", modes, syncs)
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if modes, syncs := counter.take(); len(modes) != 0 || syncs != 0 {
		t.Fatalf("Flush with nothing new: batches %v, %d syncs, want none", modes, syncs)
	}
}

// tracedPG opens a log on a fresh schema through a pool whose statements
// are counted.
func tracedPG(t *testing.T) (*Log, *statementCounter) {
	t.Helper()
	migrated := pgPool(t) // a fresh schema with the log's tables
	cfg, err := pgxpool.ParseConfig(migrated.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	counter := &statementCounter{}
	cfg.ConnConfig.Tracer = counter
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return openPGOn(t, pool, Options{Retention: -1}), counter
}
