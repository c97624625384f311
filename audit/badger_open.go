package audit

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/internal/tabletrim"
	"github.com/latchkey/latchkey/internal/walsync"
)

// badgerBackend is the Backend of a single node: the audit log's own
// Badger database (key layout: keys.go).
type badgerBackend struct {
	db  *badger.DB
	log zerolog.Logger
	dir string // "" in memory

	syncLogs func(dir string) error // Options.syncLogs, else logs.Sync
	logs     *walsync.Logs          // the memtables' logs; nil in memory
	vlogs    *walsync.Logs          // the value logs; nil in memory
	trim     *tabletrim.Trimmer     // nil in memory
}

// valueThreshold: a stored event line of this many bytes or more goes to
// Badger's value log, and its key with a 12-byte pointer to the memtable
// (and so to the LSM tree). An event is 400-700 bytes; the head record
// (about 120) and an index block of up to a dozen ids stay inline. With
// every line inline the memtables filled about seven times as fast, and
// each memtable flush and compaction is a table build that the request
// path waits behind on a server limited to one processor (BENCHMARKS.md,
// session 9): 16 MiB took 35 ms of copying into a fresh mapping, which
// Go cannot preempt. The value log is written in place, a line at a time.
const valueThreshold = 256

// valueLogFileSize bounds one value log file (Badger: 1 GiB). Its written
// pages stay mapped until the file is sealed and trimmed (tabletrim), so
// this also bounds what the newest file adds to the RSS.
const valueLogFileSize = 64 << 20

// Open opens (creating if needed) the audit database in Options.Dir (or
// in memory) and starts the writer and the background pruner.
func Open(opt Options) (*Log, error) {
	opt = opt.withDefaults()
	if opt.linger == 0 {
		opt.linger = badgerLinger
	}
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
		// In memory Badger refuses a value above the threshold.
		bo = bo.WithDir("").WithValueDir("")
	} else {
		bo = bo.WithValueThreshold(valueThreshold).
			WithValueLogFileSize(valueLogFileSize).
			// A damaged entry of the value log reads as an empty line
			// (Badger logs the error), not as another event's bytes:
			// each read checks the entry's CRC (hardware CRC32-C).
			WithVerifyValueChecksum(true)
	}
	if len(opt.EncryptionKey) > 0 {
		bo = bo.WithEncryptionKey(opt.EncryptionKey).WithIndexCacheSize(32 << 20)
	}
	db, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("audit: open: %w", err)
	}
	b := &badgerBackend{db: db, log: *opt.Logger, dir: bo.Dir, syncLogs: opt.syncLogs}
	if !opt.InMemory {
		b.logs, b.vlogs = walsync.NewLogs(bo.Dir), walsync.NewValueLogs(bo.ValueDir)
		if b.syncLogs == nil {
			b.syncLogs = func(string) error { return b.logs.Sync() }
		}
		if opt.onValueLogSync != nil {
			b.vlogs.OnSync(opt.onValueLogSync)
		}
		if err := b.repairTail(); err != nil {
			return nil, errors.Join(err, b.closeFiles(), db.Close())
		}
	}
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
	defer func() { _ = b.closeFiles() }()
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

// sync makes every commit that returned before the call durable: it
// fsyncs the value log files that hold their lines and the memtables'
// write-ahead logs that point into them (walsync), both at once, rather
// than calling Badger's DB.Sync, which holds the database's lock through
// the msync and so stopped the writer's commits for as long as the disk
// took. Their order does not matter: until both return nothing is
// acknowledged, and pointers that reached the disk before their lines
// (the kernel writes back pages in any order anyway) are what repairTail
// removes after a power cut. One after the other, the two made a durable
// revocation wait for two syncs of the audit log instead of one; at once,
// revoke8 gained 6-10% back (BENCHMARKS.md, session 9: the value log
// still costs revocations about a fifth of their rate).
func (b *badgerBackend) sync() error {
	if b.dir == "" {
		return nil // in memory: nothing to sync
	}
	vlog := make(chan error, 1)
	go func() { vlog <- b.vlogs.Sync() }()
	err := b.syncLogs(b.dir)
	return errors.Join(<-vlog, err)
}

// closeFiles releases the log files sync holds open.
func (b *badgerBackend) closeFiles() error {
	if b.vlogs == nil {
		return nil
	}
	return errors.Join(b.logs.Close(), b.vlogs.Close())
}

// maintain collects value-log garbage while g admits writes.
func (b *badgerBackend) maintain(g Gate) {
	for (g == nil || g.Allow(0) == nil) && b.db.RunValueLogGC(0.5) == nil {
	}
}
