package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
	"github.com/rs/zerolog"
)

// ErrClosed is returned (and logged, for Record) when an event reaches a
// Log that has been closed.
var ErrClosed = errors.New("audit: log closed")

// Log is the durable audit log: a hash-chained, indexed sequence of events
// in its own Badger database. It implements Recorder. All methods are safe
// for concurrent use.
type Log struct {
	db   *badger.DB
	opt  Options
	log  zerolog.Logger
	subs hub

	mu     sync.RWMutex // closed, and every send on queue
	closed bool
	queue  chan *pending

	obsMu     sync.RWMutex
	observers []Observer

	writerDone chan struct{}
	stopMaint  chan struct{}
	maintDone  chan struct{}
	syncDone   chan struct{}
	dirty      atomic.Bool // committed events not yet synced
	closeOnce  sync.Once
	pruneMu    sync.Mutex
	retention  atomic.Int64  // nanoseconds; SetRetention, prune.go
	pruneNow   chan struct{} // wakes the pruner after SetRetention

	cursorKey []byte // authenticates Query cursors (cursor.go)

	// indexDamaged is set when Verify found an index damaged, until
	// Reindex or a clean Verify: filtered queries refuse meanwhile.
	indexDamaged atomic.Bool

	head   chainPoint // owned by the writer goroutine
	lastTS int64      // owned by the writer goroutine

	recorded, lost, batches atomic.Uint64
	headSeq                 atomic.Uint64
}

// pending is one queued event, or a barrier (Flush) when barrier is set.
type pending struct {
	ev      Event
	barrier bool
	done    chan error // nil for fire-and-forget Record
}

// Observer is told about every event after it is committed, in commit
// order, on the log's writer goroutine: Observe must be quick and must not
// call Record/RecordSync/Flush synchronously (metrics, time series and
// alert rules implement it).
type Observer interface {
	Observe(Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) { f(e) }

// Open opens (creating if needed) the audit database and starts the writer
// and the background pruner.
func Open(opt Options) (*Log, error) {
	opt = opt.withDefaults()
	if opt.Dir == "" && !opt.InMemory {
		return nil, errors.New("audit: Options.Dir is required unless InMemory")
	}
	bo := badger.DefaultOptions(opt.Dir).
		WithInMemory(opt.InMemory).
		// Commits are synced by the writer, not by Badger: at once when a
		// caller waits for durability (RecordSync, Flush), else at most a
		// second later (writer.go), so buffered events share one fsync.
		WithSyncWrites(false).
		// Memory: memtables are Go heap and Badger's defaults (5 of 64
		// MiB, a 256 MiB block cache) would let the audit log alone hold
		// ~600 MiB; these keep it near 100 MiB (authcore/store/badger
		// does the same).
		WithMemTableSize(16 << 20).
		WithNumMemtables(3).
		WithBlockCacheSize(32 << 20).
		WithLogger(badgerLogger{opt.Logger.With().Str("component", "audit-badger").Logger()})
	if opt.InMemory {
		bo = bo.WithDir("").WithValueDir("")
	}
	if len(opt.EncryptionKey) > 0 {
		bo = bo.WithEncryptionKey(opt.EncryptionKey).WithIndexCacheSize(32 << 20)
	}
	db, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("audit: open: %w", err)
	}
	l := &Log{
		db:         db,
		opt:        opt,
		log:        *opt.Logger,
		queue:      make(chan *pending, opt.BufferSize),
		writerDone: make(chan struct{}),
		stopMaint:  make(chan struct{}),
		maintDone:  make(chan struct{}),
		syncDone:   make(chan struct{}),
		pruneNow:   make(chan struct{}, 1),
	}
	l.retention.Store(int64(opt.Retention))
	if l.cursorKey, err = loadCursorKey(db); err != nil {
		db.Close()
		return nil, err
	}
	if l.head, err = l.loadHead(); err != nil {
		db.Close()
		return nil, err
	}
	l.lastTS = l.head.Time.UnixNano()
	l.headSeq.Store(l.head.Seq)
	go l.writer()
	go l.syncer()
	go l.maintain()
	return l, nil
}

// loadHead reads the newest chain point: the head record, else the
// anchor left by pruning, else the genesis.
func (l *Log) loadHead() (chainPoint, error) {
	p := chainPoint{Hash: genesisHash}
	err := l.db.View(func(txn *badger.Txn) error {
		for _, k := range [][]byte{keyHead, keyAnchor} {
			it, err := txn.Get(k)
			if errors.Is(err, badger.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			return it.Value(func(v []byte) error { return json.Unmarshal(v, &p) })
		}
		return nil
	})
	if err != nil {
		return p, fmt.Errorf("audit: read chain head: %w", err)
	}
	return p, nil
}

// AddObserver registers o to be told about every event committed from now
// on.
func (l *Log) AddObserver(o Observer) {
	l.obsMu.Lock()
	defer l.obsMu.Unlock()
	l.observers = append(l.observers, o)
}

// Stats is a snapshot of the log's counters.
type Stats struct {
	Recorded uint64 // events committed since Open
	Lost     uint64 // events that could not be committed (each one logged)
	Batches  uint64 // Badger transactions committed
	Queued   int    // events waiting in the buffer
	HeadSeq  uint64 // seq of the newest committed event
}

// Stats returns the log's counters.
func (l *Log) Stats() Stats {
	return Stats{
		Recorded: l.recorded.Load(),
		Lost:     l.lost.Load(),
		Batches:  l.batches.Load(),
		Queued:   len(l.queue),
		HeadSeq:  l.headSeq.Load(),
	}
}

// Close drains the buffer (every queued event is committed), stops the
// background work, ends every live subscription and closes the database.
func (l *Log) Close() error {
	var err error
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		close(l.queue)
		l.mu.Unlock()
		<-l.writerDone
		close(l.stopMaint)
		<-l.maintDone
		<-l.syncDone
		l.subs.closeAll()
		if g := l.opt.Gate; g != nil {
			if refused := g.Allow(0); refused != nil {
				// Closing flushes the memtable into new table files
				// through a memory map: SIGBUS on a full disk. The
				// synced write-ahead log is replayed at the next open.
				err = errors.Join(fmt.Errorf("audit: close skipped: %w", refused), l.db.Sync())
				return
			}
		}
		if e := l.db.Close(); e != nil {
			err = fmt.Errorf("audit: close: %w", e)
		}
	})
	return err
}
