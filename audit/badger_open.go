package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/internal/tabletrim"
)

// badgerBackend is the Backend of a single node: the audit log's own
// Badger database (key layout: keys.go).
type badgerBackend struct {
	db  *badger.DB
	log zerolog.Logger
	dir string // "" in memory

	syncLogs func(dir string) error // Options.syncLogs
	trim     *tabletrim.Trimmer     // nil in memory

	syncMu     sync.Mutex    // one sync at a time: vlogSynced
	large      atomic.Uint64 // lines of walsync.LargeValue bytes or more committed
	vlogSynced uint64        // large at the last DB.Sync
}

// Open opens (creating if needed) the audit database in Options.Dir (or
// in memory) and starts the writer and the background pruner.
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
		// A compaction's table builders hold their tables uncompressed,
		// several at once: 1 MiB tables at every level (Badger: 2 MiB,
		// doubling per level) keep them small (the store does the same).
		WithBaseTableSize(1 << 20).
		WithLogger(badgerLogger{opt.Logger.With().Str("component", "audit-badger").Logger()})
	bo.TableSizeMultiplier = 1
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
	b := &badgerBackend{db: db, log: *opt.Logger, dir: bo.Dir, syncLogs: opt.syncLogs}
	// The pages of the table files that reads and compactions map stay
	// in the RSS until unmapped (internal/tabletrim).
	b.trim = tabletrim.Start(db, bo.Dir, func(err error) {
		b.log.Debug().Err(err).Msg("audit: table pages not trimmed")
	})
	return newLog(b, opt) // closes b on error
}

// loadHead reads the newest chain point: the head record, else the
// anchor left by pruning, else the genesis. The Badger log holds one
// chain, whatever node recorded it.
func (b *badgerBackend) loadHead(string) (chainPoint, error) {
	p := chainPoint{Hash: genesisHash}
	err := b.db.View(func(txn *badger.Txn) error {
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

// close closes the database unless g refuses: closing flushes the
// memtable into new table files through a memory map (SIGBUS on a full
// disk), so then only the write-ahead log is synced, replayed at the
// next open.
func (b *badgerBackend) close(g Gate) error {
	b.trim.Stop()
	if g != nil {
		if refused := g.Allow(0); refused != nil {
			return errors.Join(fmt.Errorf("audit: close skipped: %w", refused), b.db.Sync())
		}
	}
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("audit: close: %w", err)
	}
	return nil
}

// sync makes every commit that returned before the call durable. It
// fsyncs the memtables' write-ahead logs (walsync) rather than calling
// Badger's DB.Sync, which holds the database's lock through the msync and
// so stopped the writer's commits for as long as the disk took; DB.Sync
// runs only when a line large enough for the value log was committed
// since the last one.
func (b *badgerBackend) sync() error {
	if b.dir == "" {
		return nil // in memory: nothing to sync
	}
	b.syncMu.Lock()
	defer b.syncMu.Unlock()
	if n := b.large.Load(); n != b.vlogSynced {
		if err := b.db.Sync(); err != nil {
			return err
		}
		b.vlogSynced = n
	}
	return b.syncLogs(b.dir)
}

// maintain collects value-log garbage while g admits writes.
func (b *badgerBackend) maintain(g Gate) {
	for (g == nil || g.Allow(0) == nil) && b.db.RunValueLogGC(0.5) == nil {
	}
}
