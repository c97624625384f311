package badger

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/internal/walsync"
)

// groupSync makes committed transactions durable with one fsync for all
// the commits that wait at the same time (group commit).
//
// Badger's own SyncWrites syncs the write-ahead log once per transaction,
// in sequence, inside its single write loop (writeToLSM, per request):
// eight concurrent rotations paid eight syncs one after the other, so the
// durable paths were bound by the disk's sync latency (637/s at c=8). The
// store therefore opens Badger without SyncWrites and a writer waits here
// after its commit: it is acknowledged only once a sync that started
// after its commit returned, so nothing is acknowledged before it is
// durable, and every writer that arrives while a sync runs shares the
// next one.
type groupSync struct {
	sync func() error // fsyncs everything committed before the call

	mu      sync.Mutex
	running bool           // a goroutine is running rounds
	waiting []chan<- error // writers whose commits the next round covers
}

// wait returns once a sync that started after the call has returned,
// with its error. The caller's commit must have returned before the call.
func (g *groupSync) wait() error {
	ch := make(chan error, 1)
	g.mu.Lock()
	g.waiting = append(g.waiting, ch)
	if !g.running {
		g.running = true
		go g.rounds()
	}
	g.mu.Unlock()
	return <-ch
}

// rounds runs syncs while writers wait, each covering the writers that
// were waiting when it started.
func (g *groupSync) rounds() {
	for {
		// Let the writers that Badger's write loop released together
		// with the first one reach wait before the round starts.
		runtime.Gosched()
		g.mu.Lock()
		batch := g.waiting
		g.waiting = nil
		if len(batch) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		err := g.sync()
		for _, ch := range batch {
			ch <- err
		}
	}
}

// vlogWrites counts the values of walsync.LargeValue bytes or more written by
// any store of this process: a sync round fsyncs the value log too only
// when it moved. Records are far smaller, so a round is one fsync.
var vlogWrites atomic.Uint64

// noteValue counts v in vlogWrites when it may go to the value log; it
// is called before the value is committed.
func noteValue(v []byte) {
	if len(v) >= walsync.LargeValue {
		vlogWrites.Add(1)
	}
}

// dirSyncer fsyncs what Badger has written in its directory: the
// write-ahead logs of its memtables (walsync.Logs) and, when a large
// value may have gone there, the value log (DB.Sync).
type dirSyncer struct {
	db   *bdg.DB
	logs *walsync.Logs
	vlog uint64 // vlogWrites at the last full sync
}

func newDirSyncer(db *bdg.DB, dir string) *dirSyncer {
	return &dirSyncer{db: db, logs: walsync.NewLogs(dir), vlog: vlogWrites.Load()}
}

// close releases the logs' files; nil-safe.
func (d *dirSyncer) close() {
	if d != nil {
		_ = d.logs.Close()
	}
}

// sync runs one round; only groupSync's goroutine calls it.
func (d *dirSyncer) sync() error {
	if n := vlogWrites.Load(); n != d.vlog {
		if err := d.db.Sync(); err != nil {
			return fmt.Errorf("badger: sync: %w", err)
		}
		d.vlog = n
	}
	if err := d.logs.Sync(); err != nil {
		return fmt.Errorf("badger: sync: %w", err)
	}
	return nil
}
