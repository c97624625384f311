// Package gcfloor keeps Go's garbage collector from running more often
// than a server with a small live heap needs.
//
// With GOGC=100 the collector runs each time the heap has grown by as
// much as was live after the last collection. A Latchkey node on
// PostgreSQL keeps little in memory (no Badger tables, caches or
// memtables), so at a few thousand tokens a second it collected several
// times a second: the collector's workers were 9% of the node's CPU for
// client_credentials against about 1% on Badger, whose larger live heap
// spaces its collections out. Start raises GOGC after each collection so
// that the next comes no sooner than a fixed headroom of allocation
// later; a live heap at least as large as the headroom keeps GOGC=100.
// The heap then peaks at the live heap plus at most the headroom, or at
// twice the live heap, as before, whichever is larger.
package gcfloor

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// DefaultHeadroom is the allocation between two collections Start keeps
// at least: 64 MiB, so a node's heap stays within a few tens of MiB of
// what GOGC=100 would give it on Badger, where the live heap is larger.
const DefaultHeadroom = 64 << 20

// basePercent is GOGC's default, which Start never goes below.
const basePercent = 100

var once sync.Once

// Start tunes GOGC after every collection from then on, for the whole
// process, and says what it does (for the start line). When the
// environment sets GOGC, or the process called Start before, it changes
// nothing: an operator's GOGC wins, and GOMEMLIMIT keeps its effect
// either way (the collector still runs when the heap nears the limit).
func Start(headroom uint64) string {
	if v, ok := os.LookupEnv("GOGC"); ok {
		return "GOGC=" + v + " from the environment"
	}
	started := false
	once.Do(func() {
		t := &tuner{headroom: headroom, live: liveHeap, set: debug.SetGCPercent, current: basePercent}
		t.arm()
		started = true
	})
	if !started {
		return "already tuned"
	}
	return fmt.Sprintf("GOGC tuned for at least %d MiB between collections", headroom>>20)
}

// tuner is Start's state, owned by the finalizer goroutine.
type tuner struct {
	headroom uint64
	live     func() uint64
	set      func(int) int
	current  int
}

// sentinel is the object whose collection signals the end of a cycle: a
// new one is armed each time (it holds a pointer, so it is never one of
// the tiny allocator's shared blocks, whose finalizers may not run).
type sentinel struct{ t *tuner }

func (t *tuner) arm() {
	runtime.SetFinalizer(&sentinel{t: t}, func(s *sentinel) {
		s.t.tune()
		s.t.arm()
	})
}

// tune sets GOGC for the next cycle from the heap live after this one.
func (t *tuner) tune() {
	p := percent(t.live(), t.headroom)
	// Changes under 5% are not worth a call (it takes the heap's lock).
	if d := p - t.current; d*20 < t.current && -d*20 < t.current {
		return
	}
	t.set(p)
	t.current = p
}

// percent is the GOGC that puts the next collection headroom bytes above
// live, but never below GOGC=100.
func percent(live, headroom uint64) int {
	if live == 0 || live >= headroom {
		return basePercent
	}
	return int(max(basePercent, headroom*100/live))
}

// liveHeap is the heap the last collection marked live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
