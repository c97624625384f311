package audit

import "time"

// pgLinger is how long the PostgreSQL writer waits for more events before
// it commits a batch nobody waits for (OpenPostgres sets Options.linger).
// A batch costs PostgreSQL a statement and a commit whatever its size
// (executor start-up, the chain row's update, constraint set-up, two
// context switches), so at c=8 the eight or so events queued at a time
// paid for it together: BenchmarkPostgresRecord measured about 120 µs of
// PostgreSQL's CPU per event at 8 events a batch, and about half that at
// 32. Waiting costs no caller anything: Record does not wait for the
// commit, and a batch that holds a RecordSync or Flush is committed at
// once. The events a crash of Latchkey loses are those queued and not
// committed, as before, now up to pgLinger's worth of them.
const pgLinger = 10 * time.Millisecond

// badgerLinger is the same for Badger (Open sets Options.linger). A
// Badger commit is cheaper than PostgreSQL's, but each is a transaction,
// a head record, an index key per field and value, and two hand-offs
// between the writer and Badger's write goroutine: at c=8 the writer
// took 5-6 events a commit without a linger and up to MaxBatch with
// one. lkbench cc8, alternating: 8,313-8,712/s and p99 17-22 ms without,
// 10,703-11,063/s and p99 3.3-3.7 ms with it (BENCHMARKS.md, session 9).
// On Badger a commit survives a crash of the process (the write-ahead
// log is a shared mapping), so what a kill loses is only the linger's
// worth more than before, as on PostgreSQL.
const badgerLinger = 5 * time.Millisecond

// linger adds to batch the events that arrive within Options.linger,
// up to MaxBatch: it sleeps until the linger is over, or a caller waits
// for an event (RecordSync and Flush signal urgent after they queue it),
// or Close, and then takes what is queued. Without a linger, or when
// batch is full or waited for already, it returns batch as it is. t is
// the writer's timer, stopped.
//
// It does not wake for each event that arrives: on one processor each
// such wake was a switch to the writer and back per event, which
// Go's scheduler also runs ahead of the requests queued (runnext).
func (l *Log) linger(batch []*pending, t *time.Timer) []*pending {
	if l.opt.linger <= 0 || len(batch) >= l.opt.MaxBatch || waited(batch) {
		return batch
	}
	t.Reset(l.opt.linger)
	defer t.Stop()
	select {
	case <-t.C:
	case <-l.urgent:
	}
	return l.fill(batch)
}

// hurry ends the writer's linger, if it lingers: an event somebody waits
// for is queued, or the log closes. A signal nobody took stays for the
// next linger, which then commits at once: harmless.
func (l *Log) hurry() {
	select {
	case l.urgent <- struct{}{}:
	default:
	}
}

// waited reports whether a caller waits for batch (RecordSync, Flush).
func waited(batch []*pending) bool {
	for _, p := range batch {
		if p.done != nil {
			return true
		}
	}
	return false
}
