package audit

import (
	"io"
	"os"
	"runtime"
	"time"

	"github.com/rs/zerolog"
)

// Options configures Open. The zero value of every field has a sensible
// default except Dir, which is required unless InMemory is set.
type Options struct {
	// Dir is the audit database directory. The audit log has its own
	// Badger database, separate from the authorization server's store.
	Dir string

	// InMemory keeps the database in memory (tests only; nothing survives
	// Close).
	InMemory bool

	// EncryptionKey, when set, encrypts the database at rest (AES; 16, 24
	// or 32 bytes).
	EncryptionKey []byte

	// NodeID names this node in every event it records (Event.Node) and,
	// on PostgreSQL, the hash chain it extends. Several processes must not
	// record under one node id at once (their commits would conflict and
	// be retried). Default: the host name.
	NodeID string

	// Logger receives operational messages (never event contents beyond
	// type and seq). Defaults to a disabled logger.
	Logger *zerolog.Logger

	// Now is the clock; defaults to time.Now.
	Now func() time.Time

	// Retention is how long events are kept; older ones are pruned in the
	// background. Zero means 90 days; a negative value keeps everything.
	Retention time.Duration

	// PruneEvery is how often the background pruner runs; default 1 hour.
	PruneEvery time.Duration

	// PruneWhen, when set, is asked before each background prune: the
	// pruner removes events by retention only while it reports true. On
	// a log several nodes share (PostgreSQL) it is the background lease,
	// so one node at a time prunes; PruneNow wakes the pruner of the node
	// that takes the lease over.
	PruneWhen func() bool

	// Mirror, when set, also receives every committed event as one JSON
	// line (the stored form, see Entry), e.g. a file or os.Stdout for a log
	// pipeline. Write errors are logged and do not stop the log.
	Mirror io.Writer

	// BufferSize bounds the queue between Record and the writer; when it
	// is full Record blocks (back-pressure). Default 4096.
	BufferSize int

	// MaxBatch bounds how many events one transaction commits. Default
	// 64: on one processor a batch is staged, committed and written into
	// Badger's memtable without a pause (Badger's write loop runs a
	// transaction in one go), so its size bounds how long requests wait
	// for the processor behind the writer (at the 45 µs an event cost in
	// BENCHMARKS.md's session 2, 64 take about 3 ms, against 23 ms for
	// the 512 of the old default); larger batches cost no less per event.
	MaxBatch int

	// Gate, when set, is asked before every commit and every prune with
	// the bytes about to be written; when it refuses (diskguard.Guard:
	// the disk is almost full, or the directory is gone or read-only),
	// the batch is not written: its events are counted lost, logged once
	// per batch, and RecordSync returns the refusal. Badger's memory-
	// mapped log would otherwise meet a full disk with SIGBUS.
	Gate Gate

	// yield gives the processor away between two batches (tests count
	// the calls); default runtime.Gosched.
	yield func()

	// linger is how long the writer waits for more events before it
	// commits a batch nobody waits for (linger.go): Open sets
	// badgerLinger and OpenPostgres pgLinger when it is zero; negative
	// means none.
	linger time.Duration

	// syncLogs fsyncs the write-ahead logs of the Badger database in a
	// directory (tests hold it up); by default a walsync.Logs of the
	// database's, which keeps the newest log open rather than listing
	// the directory and opening every log at each sync.
	syncLogs func(dir string) error

	// onValueLogSync is called with each value log file a sync fsynced
	// (tests).
	onValueLogSync func(name string)
}

// Gate admits or refuses a write of about n bytes.
type Gate interface {
	Allow(n int) error
}

// DefaultRetention is the retention used when Options.Retention is zero.
const DefaultRetention = 90 * 24 * time.Hour

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		l := zerolog.Nop()
		o.Logger = &l
	}
	if o.NodeID == "" {
		o.NodeID = DefaultNodeID()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	if o.PruneEvery <= 0 {
		o.PruneEvery = time.Hour
	}
	if o.BufferSize <= 0 {
		o.BufferSize = 4096
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 64
	}
	if o.yield == nil {
		o.yield = runtime.Gosched
	}
	return o
}

// DefaultNodeID is the node id used when none is given: the host name,
// or "node" when it cannot be read.
func DefaultNodeID() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "node"
}
