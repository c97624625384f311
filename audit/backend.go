package audit

import (
	"context"
	"io"
	"time"
)

// Backend is where a Log keeps its events: the hash-chained entries, the
// indexes Query answers from, the chain head and the pruning anchor. Log
// itself owns what does not depend on the storage: the queue and the
// batching writer, seq assignment and hashing (stage), the observers,
// the live subscribers, the counters and the cursor MAC.
//
// Two implementations exist: Badger (Open; a database of its own, the
// single-node default) and PostgreSQL (OpenPostgres; one log that several
// nodes record into, one hash chain per node). The methods are
// unexported: a backend must keep Verify's guarantees, so both live here.
type Backend interface {
	// loadHead returns the newest chain point of node's chain: its head,
	// else the anchor pruning left, else the genesis.
	loadHead(node string) (chainPoint, error)
	// commit writes st (consecutive events of one chain) durably enough
	// for sync to finish the job, and moves the head; it returns how
	// many transactions it took.
	commit(st []staged) (int, error)
	// sync makes every commit durable (a no-op where commits already are).
	sync() error
	// cursorKey returns the log's cursor key, making it on first use.
	cursorKey() ([]byte, error)
	// verify walks every chain and checks the indexes against it.
	verify(ctx context.Context) (VerifyResult, error)
	// query returns up to limit events matching m at or below start,
	// newest first; last is the position of the last one returned.
	query(ctx context.Context, m *matcher, f Filter, start id, limit int) (es []Entry, last id, err error)
	// export writes the stored lines of [from, to) oldest first.
	export(ctx context.Context, from, to time.Time, w io.Writer) (int, error)
	// pruneOnce removes up to pruneBatch events older than limit (Unix
	// nanoseconds), keeping each chain verifiable.
	pruneOnce(limit int64) (int, error)
	// reindex rebuilds the indexes from the (verified) chain.
	reindex(ctx context.Context) (ReindexResult, error)
	// maintain does the storage's own housekeeping (value-log GC).
	maintain(g Gate)
	// close releases the storage; g may refuse the writes closing does.
	close(g Gate) error
}
