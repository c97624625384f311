package audit

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/rs/zerolog"
)

// ErrClosed is returned (and logged, for Record) when an event reaches a
// Log that has been closed.
var ErrClosed = errors.New("audit: log closed")

// Log is the durable audit log: a hash-chained, indexed sequence of events
// in a Backend (its own Badger database, or PostgreSQL). It implements
// Recorder. All methods are safe
// for concurrent use.
type Log struct {
	b    Backend
	opt  Options
	log  zerolog.Logger
	subs hub

	// unflushed is the error of a batch that lost events no caller
	// waited for, until a Flush reports it (the writer goroutine only).
	unflushed error

	mu     sync.RWMutex // closed, and every send on queue
	closed bool
	queue  chan *pending
	urgent chan struct{} // ends the writer's linger (linger.go)

	obsMu     sync.RWMutex
	observers []Observer
	cluster   []Observer     // AddClusterObserver, follow.go
	followWG  sync.WaitGroup // the follow goroutine

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
	pruned                  atomic.Uint64 // events the background pruner removed
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

// newLog starts a Log on backend b: it loads the cursor key and this
// node's chain head, then starts the writer, the syncer and the pruner.
// On error b is closed.
func newLog(b Backend, opt Options) (*Log, error) {
	l := &Log{
		b:          b,
		opt:        opt,
		log:        *opt.Logger,
		queue:      make(chan *pending, opt.BufferSize),
		urgent:     make(chan struct{}, 1),
		writerDone: make(chan struct{}),
		stopMaint:  make(chan struct{}),
		maintDone:  make(chan struct{}),
		syncDone:   make(chan struct{}),
		pruneNow:   make(chan struct{}, 1),
	}
	l.retention.Store(int64(opt.Retention))
	var err error
	if l.cursorKey, err = b.cursorKey(); err != nil {
		b.close(nil)
		return nil, err
	}
	if l.head, err = b.loadHead(opt.NodeID); err != nil {
		b.close(nil)
		return nil, err
	}
	l.lastTS = l.head.Time.UnixNano()
	l.headSeq.Store(l.head.Seq)
	go l.writer()
	go l.syncer()
	go l.maintain()
	return l, nil
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
	Batches  uint64 // backend transactions committed
	Queued   int    // events waiting in the buffer
	HeadSeq  uint64 // seq of the newest committed event
	Pruned   uint64 // events this log's background pruner removed since Open
}

// Stats returns the log's counters.
func (l *Log) Stats() Stats {
	return Stats{
		Recorded: l.recorded.Load(),
		Lost:     l.lost.Load(),
		Batches:  l.batches.Load(),
		Queued:   len(l.queue),
		HeadSeq:  l.headSeq.Load(),
		Pruned:   l.pruned.Load(),
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
		l.hurry()
		<-l.writerDone
		close(l.stopMaint)
		<-l.maintDone
		l.followWG.Wait()
		<-l.syncDone
		l.subs.closeAll()
		err = l.b.close(l.opt.Gate)
	})
	return err
}

// NodeID is the node this log records as (Options.NodeID, or the host
// name).
func (l *Log) NodeID() string { return l.opt.NodeID }
