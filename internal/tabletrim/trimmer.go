package tabletrim

import (
	"slices"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
)

const (
	// CheckEvery is how often a Trimmer looks at its database's tables.
	CheckEvery = 5 * time.Second
	// Every is the longest a Trimmer waits between trims.
	Every = 30 * time.Second
)

// Trimmer trims a database's table pages (Trim) in the background: at a
// check when the set of tables changed since the last trim, and at least
// every Every. A flush or a compaction writes its new tables through
// their mappings, so a database compacting after a restart (a large fill
// leaves its levels over their targets) gains up to its size on disk in
// RSS within seconds; reads (the collector's scans) add pages slowly.
type Trimmer struct {
	db    *badger.DB
	dir   string
	onErr func(error)

	mu      sync.Mutex // one trim at a time: tick and Stop
	last    time.Time  // of the last trim
	stopped bool       // Stop returned: TrimNow does nothing
	tables  []uint64   // sorted table ids at the last trim

	stop, done chan struct{}
	stopOnce   sync.Once
	started    bool // run was started: Stop waits for done
}

// Start trims db's tables in dir now (what opening read) and then in the
// background until Stop; onErr receives what a trim could not do. It
// returns nil when dir is "" (a database in memory has no table files).
func Start(db *badger.DB, dir string, onErr func(error)) *Trimmer {
	t := newTrimmer(db, dir, onErr)
	if t == nil {
		return nil
	}
	t.tick(time.Now())
	t.started = true
	go t.run()
	return t
}

// newTrimmer returns a Trimmer that trims only when tick is called (tests
// drive it with their own clock).
func newTrimmer(db *badger.DB, dir string, onErr func(error)) *Trimmer {
	if dir == "" {
		return nil
	}
	if onErr == nil {
		onErr = func(error) {}
	}
	return &Trimmer{db: db, dir: ResolvedDir(dir), onErr: onErr,
		stop: make(chan struct{}), done: make(chan struct{})}
}

func (t *Trimmer) run() {
	defer close(t.done)
	tk := time.NewTicker(CheckEvery)
	defer tk.Stop()
	for {
		select {
		case <-t.stop:
			return
		case now := <-tk.C:
			t.tick(now)
		}
	}
}

// tick trims when due at now: the set of tables changed since the last
// trim, or Every has passed. It returns how many mappings it trimmed
// (0 when it was not due).
func (t *Trimmer) tick(now time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.tickLocked(now)
}

func (t *Trimmer) tickLocked(now time.Time) int {
	ids := tableIDs(t.db.Tables())
	if !t.last.IsZero() && now.Sub(t.last) < Every && slices.Equal(ids, t.tables) {
		return 0
	}
	n, err := Trim(t.db, t.dir)
	if err != nil {
		t.onErr(err)
	}
	t.last, t.tables = now, ids
	return n
}

// TrimNow trims at once, whatever the schedule, and returns how many
// mappings it trimmed; 0 on a nil Trimmer (a database in memory) and
// after Stop.
func (t *Trimmer) TrimNow() int {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return 0 // the database may be closing
	}
	t.last = time.Time{}
	return t.tickLocked(time.Now())
}

// Stop stops the background trims and waits for the one under way. It
// is safe on a nil Trimmer and more than once; call it before closing
// the database.
func (t *Trimmer) Stop() {
	if t == nil {
		return
	}
	t.stopOnce.Do(func() { close(t.stop) })
	if t.started {
		<-t.done
	}
	// A TrimNow under way (the store's collector, its count) ends
	// before Stop returns; later ones trim nothing.
	t.mu.Lock()
	t.stopped = true
	t.mu.Unlock()
}

func tableIDs(ts []badger.TableInfo) []uint64 {
	ids := make([]uint64, len(ts))
	for i, x := range ts {
		ids[i] = x.ID
	}
	slices.Sort(ids)
	return ids
}
