package badger

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bdg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/internal/tabletrim"
)

// Options configures Open.
type Options struct {
	// Dir is the data directory. It is created (mode 0700) if missing.
	// Exactly one of Dir and InMemory must be set.
	Dir string
	// InMemory keeps everything in memory (tests, throw-away servers).
	InMemory bool
	// EncryptionKey, when set, turns on Badger's AES encryption at rest.
	// It must be 16, 24 or 32 bytes (AES-128/192/256) and must be the same
	// key on every open of the same Dir.
	EncryptionKey []byte
	// Logger receives Badger's own log lines: errors and warnings at their
	// level, its informational chatter at debug. The zero Logger is silent.
	Logger zerolog.Logger
	// NoSyncWrites turns off the fsync on every commit. It is off by
	// default because security state (revocations, consumed codes, rotated
	// refresh tokens) may be acknowledged only after a durable commit;
	// without the fsync a power loss can lose the last writes. Commits
	// that wait at the same time share one fsync (syncer.go).
	NoSyncWrites bool
	// Gate, when set, is asked before every write transaction; when it
	// refuses, the write fails with an error matching
	// authcore.ErrUnavailable and Badger is not touched (diskguard.Guard:
	// a memory-mapped write on a full disk kills the process with SIGBUS).
	// Reads never ask it.
	Gate Gate
	// Marker, when set, is the path of the store's marker (store.json):
	// an installation id and the count of records per kind, written at
	// open, at close and every 10 minutes, outside Badger's files. Open
	// refuses, with ErrStoreLost, a store that once held clients or
	// signing keys and now holds none of a kind.
	Marker string
	// AcceptEmpty opens such a store anyway (and a store whose MANIFEST
	// no longer lists its table files, which Badger then deletes): the
	// operator's explicit choice after restoring a backup failed.
	AcceptEmpty bool
	// Now is the clock used by reads that take no time argument
	// (GetSession, GetRefreshToken, GetGrant, ...). Defaults to time.Now.
	Now func() time.Time
}

// Gate admits or refuses writes of about n bytes (diskguard.Guard).
type Gate interface {
	Allow(n int) error
}

// Store is an authcore.Storage on Badger. It is safe for concurrent use;
// no lock is held across requests.
type Store struct {
	db      *bdg.DB
	log     zerolog.Logger
	now     func() time.Time
	gate    Gate
	pidFile string
	dir     string // Dir, absolute, links resolved ("" in memory)
	clients clientCache
	users   userCache // GetUser's (clientcache.go)
	// unrevoked answers IsRevoked for live tokens without a read
	// (unrevoked.go).
	unrevoked unrevokedCache
	families  familyReads // familyreads.go
	codes     codeReads   // familyreads.go

	logDamage  []LogDamage // logtail.go
	marker     *marker     // marker.go
	markerPath string
	stopMarker chan struct{}
	markerDone chan struct{}
	trim       *tabletrim.Trimmer // trim.go

	counters counterSet // counters.go

	// durable makes commits durable with shared fsyncs (syncer.go); nil
	// with NoSyncWrites and in memory.
	durable *groupSync
	dirSync *dirSyncer

	// gcChunk and gcIdle, when set (tests), replace the collector's
	// chunk size and pause (gc.go).
	gcChunk int
	gcIdle  func(busy time.Duration) time.Duration

	closeOnce sync.Once
	closeErr  error
}

var _ authcore.Storage = (*Store)(nil)

// pidFileName is written into Dir while a Store holds it.
const pidFileName = "latchkey.pid"

// Open opens (or creates) the store described by opts. It fails with an
// error matching ErrLocked when another process holds Dir, and with one
// matching ErrWrongEncryptionKey when EncryptionKey does not match the
// key the data was written with; in both cases nothing is changed.
func Open(opts Options) (*Store, error) {
	if opts.InMemory == (opts.Dir != "") {
		return nil, errors.New("badger: set exactly one of Options.Dir and Options.InMemory")
	}
	switch len(opts.EncryptionKey) {
	case 0, 16, 24, 32:
	default:
		return nil, fmt.Errorf("badger: encryption key is %d bytes; want 16, 24 or 32", len(opts.EncryptionKey))
	}
	var damage []LogDamage
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("badger: create data directory: %w", err)
		}
		if err := prepare(opts); err != nil { // manifest.go
			return nil, err
		}
		damage = logTails(opts.Dir) // logtail.go
	}
	db, err := openDB(opts)
	if err != nil {
		return nil, err
	}
	for _, d := range damage {
		opts.Logger.Error().Str("file", d.File).Int64("kept_bytes", d.Kept).Int64("lost_bytes", d.Lost).
			Msg("badger: the end of the store's write-ahead log could not be read (a crash mid-write, or damage); the records in it are gone")
	}
	s := &Store{db: db, log: opts.Logger, now: opts.Now, gate: opts.Gate, logDamage: damage}
	if opts.Dir != "" && !opts.NoSyncWrites {
		s.dirSync = newDirSyncer(db, opts.Dir)
		s.durable = &groupSync{sync: s.dirSync.sync}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.Marker != "" {
		if err := s.checkMarker(opts.Marker, opts.AcceptEmpty); err != nil {
			_ = db.Close()
			return nil, err
		}
		s.stopMarker, s.markerDone = make(chan struct{}), make(chan struct{})
		go every(markerEvery, s.updateMarker, s.stopMarker, s.markerDone)
	}
	if opts.Dir != "" {
		s.pidFile = filepath.Join(opts.Dir, pidFileName)
		pid := []byte(fmt.Sprintf("%d\n", os.Getpid()))
		if err := os.WriteFile(s.pidFile, pid, 0o600); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("badger: write pid file: %w", err)
		}
		s.startTrim(opts.Dir) // trim.go
	}
	return s, nil
}

// badgerOptions translates opts into Badger's options. The sizes suit an
// authorization server: many small records, a working set that fits in
// memory, and a desktop machine it shares with other programs.
func badgerOptions(opts Options) bdg.Options {
	bo := bdg.DefaultOptions(opts.Dir).
		WithInMemory(opts.InMemory).
		// Never Badger's own per-transaction sync: Store.durable syncs
		// after each commit, once for all the commits waiting together.
		WithSyncWrites(false).
		WithLogger(logAdapter{opts.Logger}).
		WithNumVersionsToKeep(1).
		WithNumCompactors(2).
		WithValueLogFileSize(64 << 20).
		// Memtables are Go heap: Badger's defaults (5 of 64 MiB) let a
		// burst of writes hold ~400 MiB before they reach disk. Three of
		// 16 MiB keep that under 64 MiB; records are small, so a batch
		// (15% of a memtable) still holds thousands of them.
		WithMemTableSize(16 << 20).
		WithNumMemtables(3).
		// The block cache holds decompressed (and decrypted) blocks. Reads
		// of records by random keys hardly ever hit it at 10^6 records
		// (hit ratio 0.01 at 8 and at 32 MiB): 8 MiB keeps the hot blocks
		// (clients, keys, a small store whole) and, in steady state, 40
		// MB less RSS than 32 MiB (BENCHMARKS.md, session 7).
		WithBlockCacheSize(8 << 20).
		// A compaction builds each new table in memory, uncompressed
		// (its size is counted compressed, and JSON records compress
		// 3-4x), in buffers that double as they fill, with up to a
		// dozen builders at once, kept in a pool for seconds after:
		// Badger's 2 MiB base (8 MiB tables at the bottom of a 200 MB
		// store) held 800 MB of heap during the compaction after a
		// restart at 10^6 records; 1 MiB bases held 520 MB at most and
		// returned to 180 MB within 30 s (BENCHMARKS.md, session 6).
		WithBaseTableSize(1 << 20).
		// CheckFiles verifies every table (and recovers Badger's panics)
		// before Badger opens the directory: Badger need not read them twice.
		WithChecksumVerificationMode(options.NoVerification).
		WithMetricsEnabled(false)
	// Every level's tables are 1 MiB, not doubling per level below the
	// base (4 MiB at the bottom of a 200 MB store): the builders of the
	// compaction after a restart at 10^6 records held 4x less (peak RSS
	// 845 -> 437-545 MB, BENCHMARKS.md, session 7). It costs more table
	// files (one per MiB of store), each an open descriptor and a map.
	bo.TableSizeMultiplier = 1
	if opts.InMemory {
		bo = bo.WithDir("").WithValueDir("")
	}
	if len(opts.EncryptionKey) > 0 {
		key := append([]byte(nil), opts.EncryptionKey...)
		// Badger requires an index cache with encryption: encrypted
		// table indexes are decrypted into it rather than kept in memory.
		bo = bo.WithEncryptionKey(key).WithIndexCacheSize(16 << 20)
	}
	return bo
}

// DB returns the underlying Badger database, for backups and tools that
// need more than authcore.Storage offers. Writes through it bypass every
// invariant this package keeps.
func (s *Store) DB() *bdg.DB { return s.db }

// Close flushes and closes the database and removes the pid file. It is
// safe to call more than once. When the Gate refuses writes, the database
// is synced but not closed (closing writes new table files through a
// memory map, which a full disk answers with SIGBUS): the write-ahead log
// holds everything and is replayed at the next start.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.trim.Stop()
		if s.stopMarker != nil {
			close(s.stopMarker)
			<-s.markerDone
			s.updateMarker()
		}
		s.closeErr = s.closeDB()
		s.dirSync.close()
		if s.closeErr != nil {
			return
		}
		if s.pidFile == "" {
			return
		}
		if err := os.Remove(s.pidFile); err != nil && !errors.Is(err, os.ErrNotExist) && s.closeErr == nil {
			s.closeErr = fmt.Errorf("badger: remove pid file: %w", err)
		}
	})
	return s.closeErr
}

// closeDB closes Badger, or only syncs it when the Gate refuses writes.
func (s *Store) closeDB() error {
	if s.gate != nil {
		if refused := s.gate.Allow(0); refused != nil {
			err := s.db.Sync()
			s.log.Warn().Err(refused).Msg("badger: store not closed, only synced: its write-ahead log is replayed at the next start")
			if err != nil {
				return fmt.Errorf("badger: sync: %w", err)
			}
			return fmt.Errorf("badger: close skipped: %w", refused)
		}
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("badger: close: %w", err)
	}
	return nil
}

// openDB opens Badger, turning a panic inside it (a garbled table or key
// registry can make Badger index out of range) into an error.
func openDB(opts Options) (db *bdg.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, damagedOpen(opts.Dir, fmt.Errorf("%v", r))
		}
	}()
	db, err = bdg.Open(badgerOptions(opts))
	if err != nil {
		return nil, openError(opts.Dir, err)
	}
	return db, nil
}

// LogDamage returns what Open found unreadable at the end of the store's
// write-ahead logs (none on a clean start). The caller reports it and
// restores what it can (server.RestoreRevocations).
func (s *Store) LogDamage() []LogDamage { return s.logDamage }
