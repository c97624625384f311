package badger

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	bdg "github.com/dgraph-io/badger/v4"
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

// vlogThreshold is the smallest value that may go to Badger's value log
// rather than into its write-ahead log (Badger's threshold is at most
// 1 MiB; this is kept lower to stay on the safe side).
const vlogThreshold = 64 << 10

// vlogWrites counts the values of vlogThreshold bytes or more written by
// any store of this process: a sync round fsyncs the value log too only
// when it moved. Records are far smaller, so a round is one fsync.
var vlogWrites atomic.Uint64

// noteValue counts v in vlogWrites when it may go to the value log; it
// is called before the value is committed.
func noteValue(v []byte) {
	if len(v) >= vlogThreshold {
		vlogWrites.Add(1)
	}
}

// dirSyncer fsyncs what Badger has written in dir: the write-ahead log
// of every memtable (the current one, and any Badger switched out since,
// full and waiting to be written to a table file: a commit that went into
// it before the switch is there) and, when a large value may have gone
// there, the value log (DB.Sync). A log that is gone meanwhile was
// written to a synced table file first.
type dirSyncer struct {
	db   *bdg.DB
	dir  string
	vlog uint64 // vlogWrites at the last full sync
}

// sync runs one round; only groupSync's goroutine calls it.
func (d *dirSyncer) sync() error {
	if n := vlogWrites.Load(); n != d.vlog {
		if err := d.db.Sync(); err != nil {
			return fmt.Errorf("badger: sync: %w", err)
		}
		d.vlog = n
	}
	wals, err := filepath.Glob(filepath.Join(d.dir, "*.mem"))
	if err != nil {
		return err
	}
	for _, name := range wals {
		if err := syncFile(name); err != nil {
			return fmt.Errorf("badger: sync: %w", err)
		}
	}
	return nil
}

// syncFile fsyncs the file at name. Badger writes its logs through a
// shared memory map, whose dirty pages are the file's page cache: fsync
// writes them back as msync does. A file already removed is no error.
func syncFile(name string) error {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
