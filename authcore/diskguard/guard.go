package diskguard

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultReserve is the free space kept back when Config.Reserve is zero:
// room for Badger to finish a memtable flush and a compaction already under
// way (its memtables and tables are 16 and 64 MiB at most here).
const DefaultReserve = 256 << 20

// DefaultEvery is the timer period when Config.Every is zero: one statfs,
// two directory listings and a page read per write-ahead log, four times a
// second.
const DefaultEvery = 250 * time.Millisecond

// Problem names why a Guard refuses writes.
type Problem string

// The problems a check finds.
const (
	DiskFull Problem = "disk almost full"
	ReadOnly Problem = "read-only"
	Missing  Problem = "missing"
)

// Error is a refused write: the directory, what is wrong with it and, for
// DiskFull, how much space is left.
type Error struct {
	Dir     string
	Problem Problem
	Free    uint64 // bytes available to us, for DiskFull
	Reserve uint64
}

// Error says what is wrong in the words of the log line.
func (e *Error) Error() string {
	switch e.Problem {
	case DiskFull:
		return fmt.Sprintf("disk almost full: %s left in %s (the reserve is %s)", MB(e.Free), e.Dir, MB(e.Reserve))
	case ReadOnly:
		return fmt.Sprintf("data directory %s is read-only", e.Dir)
	}
	return fmt.Sprintf("data directory %s is missing", e.Dir)
}

// MB formats n bytes as whole megabytes (MiB).
func MB(n uint64) string { return fmt.Sprintf("%d MB", n>>20) }

// Usage is what statfs reports for a directory.
type Usage struct {
	Avail    uint64 // bytes an unprivileged writer may still use
	ReadOnly bool
}

// Config configures New.
type Config struct {
	// Dir is the data directory to watch.
	Dir string
	// Reserve is the free space below which writes are refused
	// (default DefaultReserve).
	Reserve uint64
	// Every is the timer period of Run (default DefaultEvery).
	Every time.Duration
	// OnChange, when set, is called after a check that changed the state:
	// with the refusal, or with nil when writes resume. It runs on the
	// goroutine that checked and must be quick.
	OnChange func(*Error)
	// Mapped lists the directories of Badger databases whose memory-
	// mapped write-ahead logs (*.mem) and newest value log (*.vlog) are
	// kept allocated Ahead bytes past their last write (Linux; elsewhere only the free space is checked).
	Mapped []string
	// Ahead defaults to DefaultAhead.
	Ahead int64
	// Statfs reads a directory's usage; nil means the operating system's.
	// Tests inject faults here.
	Statfs func(dir string) (Usage, error)
}

// Guard watches one data directory. Its methods are safe for concurrent
// use.
type Guard struct {
	cfg     Config
	id      fileID // the directory we were started on
	refused atomic.Pointer[Error]
	spent   atomic.Int64 // bytes admitted since the last check
	budget  atomic.Int64 // bytes that may be admitted before the next check
	checkMu sync.Mutex
	free    atomic.Uint64 // last Avail seen
	ahead   *ahead
	wake    chan struct{} // Allow asks Run for an early check
}

// New checks dir once and returns its Guard. The first check's refusal is
// returned too (Refused), so a caller can decline to start.
func New(cfg Config) (*Guard, error) {
	if cfg.Reserve == 0 {
		cfg.Reserve = DefaultReserve
	}
	if cfg.Every <= 0 {
		cfg.Every = DefaultEvery
	}
	if cfg.Statfs == nil {
		cfg.Statfs = statfs
	}
	if cfg.Ahead == 0 {
		cfg.Ahead = DefaultAhead
	}
	g := &Guard{cfg: cfg, ahead: &ahead{dirs: cfg.Mapped, by: cfg.Ahead, files: map[string]int64{}},
		wake: make(chan struct{}, 1)}
	id, err := identify(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("diskguard: %w", err)
	}
	g.id = id
	g.Check()
	return g, nil
}

// Allow admits a write of about n bytes, or refuses it with the *Error of
// the last check. It never blocks and makes no system call: when the bytes
// admitted since the last check exceed half the margin that check left,
// it wakes Run to check at once (the other half covers the wait).
func (g *Guard) Allow(n int) error {
	if e := g.refused.Load(); e != nil {
		return e
	}
	if g.spent.Add(int64(n)) > g.budget.Load() {
		select {
		case g.wake <- struct{}{}:
		default: // a check is already due
		}
	}
	return nil
}

// Refused returns the current refusal, or nil while writes are allowed.
func (g *Guard) Refused() error {
	if e := g.refused.Load(); e != nil {
		return e
	}
	return nil
}

// Free returns the space available at the last check.
func (g *Guard) Free() uint64 { return g.free.Load() }

// Reserve returns the configured reserve.
func (g *Guard) Reserve() uint64 { return g.cfg.Reserve }

// Check reads the directory's state now and returns the refusal, or nil.
func (g *Guard) Check() *Error {
	g.checkMu.Lock()
	defer g.checkMu.Unlock()
	e := g.inspect()
	g.spent.Store(0)
	before := g.refused.Swap(e)
	if (before == nil) != (e == nil) || (before != nil && e != nil && before.Problem != e.Problem) {
		if g.cfg.OnChange != nil {
			g.cfg.OnChange(e)
		}
	}
	return e
}

// inspect is one check: the directory is the one we started on, writable,
// and has more than the reserve free.
func (g *Guard) inspect() *Error {
	e := &Error{Dir: g.cfg.Dir, Reserve: g.cfg.Reserve}
	if id, err := identify(g.cfg.Dir); err != nil || id != g.id {
		e.Problem = Missing
		return e
	}
	u, err := g.cfg.Statfs(g.cfg.Dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		e.Problem = Missing
		return e
	case err != nil:
		// statfs itself failing says nothing about space: keep going on
		// the timer, as if full, rather than risk a SIGBUS.
		e.Problem = DiskFull
		return e
	case u.ReadOnly:
		e.Problem = ReadOnly
		return e
	}
	g.free.Store(u.Avail)
	if u.Avail <= g.cfg.Reserve {
		e.Problem, e.Free = DiskFull, u.Avail
		return e
	}
	if err := g.ahead.keep(); err != nil {
		// Even the reserve could not be had (another process filled
		// the disk between two checks): stop before Badger's next page.
		e.Problem = DiskFull
		if u, err := g.cfg.Statfs(g.cfg.Dir); err == nil {
			e.Free = u.Avail
			g.free.Store(u.Avail)
		}
		return e
	}
	g.budget.Store(min(int64((u.Avail-g.cfg.Reserve)/2), g.cfg.Ahead/2))
	return nil
}

// Run checks on the timer, and when Allow asks, until stop is closed.
func (g *Guard) Run(stop <-chan struct{}) {
	t := time.NewTicker(g.cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			g.Check()
		case <-g.wake:
			g.Check()
		}
	}
}

// Dir returns the watched directory.
func (g *Guard) Dir() string { return g.cfg.Dir }
