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

// linger adds to batch the events that arrive within Options.linger,
// until it holds MaxBatch, or an event somebody waits for (RecordSync,
// Flush), or the queue closes. Without a linger, or when batch is full
// or waited for already, it returns batch as it is. t is the writer's
// timer, stopped.
func (l *Log) linger(batch []*pending, t *time.Timer) []*pending {
	if l.opt.linger <= 0 || len(batch) >= l.opt.MaxBatch || waited(batch) {
		return batch
	}
	t.Reset(l.opt.linger)
	defer t.Stop()
	for len(batch) < l.opt.MaxBatch && !waited(batch) {
		select {
		case <-t.C:
			return batch
		case q, ok := <-l.queue:
			if !ok {
				return batch
			}
			batch = l.fill(append(batch, q)) // and what came with it
		}
	}
	return batch
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
