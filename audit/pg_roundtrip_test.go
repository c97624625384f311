package audit

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// statementCounter counts the statements a pool sends (BEGIN and COMMIT
// included: pgx sends them as statements).
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestPostgresBatchIsOneStatement: a batch of events (one synced event
// here) costs the database one statement, one round trip and one WAL
// flush, not BEGIN, the head's UPDATE, the INSERT and COMMIT.
func TestPostgresBatchIsOneStatement(t *testing.T) {
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
	l := openPGOn(t, pool, Options{Retention: -1})
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
