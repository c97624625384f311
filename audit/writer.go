package audit

import (
	"errors"
	"time"
)

// syncEvery bounds how long a buffered event may sit committed but not
// yet synced: a process crash loses none of them (the OS has the pages),
// a power loss at most this much. RecordSync and Flush never wait for it:
// their batch is synced before they return.
const syncEvery = time.Second

// commitRetries is how many times a failing batch is retried before its
// events are reported lost (and their RecordSync callers get the error).
const commitRetries = 3

// writer is the single goroutine that assigns seq, chains and commits. It
// takes whatever is queued (up to MaxBatch) into one transaction, so that
// concurrent events share one fsync; on PostgreSQL it lingers for more
// (linger.go).
//
// Between two batches it yields the processor. On one processor
// (GOMAXPROCS=1, as lkbench runs the server) the writer and Badger's
// write goroutines hand the processor to each other through channels,
// and Go's scheduler lets such a chain run on for up to 10 ms before any
// request runs again: after a stall (a slow sync) the writer worked
// through the queue in 512-event batches while every request waited
// (issue 22's p99).
func (l *Log) writer() {
	defer close(l.writerDone)
	batch := make([]*pending, 0, l.opt.MaxBatch)
	t := time.NewTimer(time.Hour)
	t.Stop()
	for p := range l.queue {
		batch = l.linger(l.fill(append(batch[:0], p)), t) // linger.go
		l.commitBatch(batch)
		if len(l.queue) > 0 {
			l.opt.yield()
		}
	}
}

// fill adds to batch what is queued now, up to MaxBatch events.
func (l *Log) fill(batch []*pending) []*pending {
	for len(batch) < l.opt.MaxBatch {
		select {
		case q, ok := <-l.queue:
			if !ok {
				return batch
			}
			batch = append(batch, q)
		default:
			return batch
		}
	}
	return batch
}

// staged is one event ready to commit.
type staged struct {
	p    *pending
	id   id
	line []byte
	ev   Event
	prev string
	head chainPoint
}

// commitBatch stages, commits (with retries) and publishes one batch.
func (l *Log) commitBatch(batch []*pending) {
	st := l.stage(batch)
	err := l.admit(st)
	if err == nil {
		st, err = l.commitRetrying(batch, st)
	}
	if err == nil {
		err = l.syncIfNeeded(batch)
	}
	var refused *gateRefusal
	switch {
	case errors.As(err, &refused):
		l.lost.Add(uint64(len(st)))
		l.log.Error().Err(refused.cause).Int("events", len(st)).Msg("audit: events not written")
	case err != nil:
		for _, s := range st {
			if s.p.done == nil {
				l.reportLost(&s.ev, err)
			}
		}
	case len(st) > 0:
		last := st[len(st)-1]
		l.head, l.lastTS = last.head, last.id.ts()
		l.headSeq.Store(l.head.Seq)
		l.recorded.Add(uint64(len(st)))
		l.publish(st)
	}
	if err != nil && len(st) > 0 {
		l.unflushed = err // an event Record queued is lost: the next Flush says so
	}
	flushed := false
	for _, p := range batch {
		if p.done != nil {
			e := err
			if p.barrier && e == nil {
				e, flushed = l.unflushed, true
			}
			p.done <- e
		}
	}
	if flushed {
		l.unflushed = nil
	}
}

// maxRestage bounds how often one batch is chained again because another
// process moved this node's head (errChainMoved).
const maxRestage = 100

// commitRetrying commits st, retrying a failed commit commitRetries
// times in all, and chaining batch again after a moved head; it returns
// what it committed.
func (l *Log) commitRetrying(batch []*pending, st []staged) ([]staged, error) {
	moved := 0
	for attempt := 0; ; {
		n, err := l.b.commit(st)
		l.batches.Add(uint64(n))
		switch {
		case err == nil:
			return st, nil
		case errors.Is(err, errChainMoved) && moved < maxRestage:
			moved++
			if st, err = l.restage(batch); err != nil {
				return st, err
			}
			continue
		}
		l.log.Error().Err(err).Int("attempt", attempt+1).Msg("audit: commit failed")
		time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
		if attempt++; attempt == commitRetries {
			return st, err
		}
	}
}

// restage chains batch again after the head that is stored now.
func (l *Log) restage(batch []*pending) ([]staged, error) {
	head, err := l.b.loadHead(l.opt.NodeID)
	if err != nil {
		return nil, err
	}
	l.head = head
	if ts := head.Time.UnixNano(); ts > l.lastTS {
		l.lastTS = ts
	}
	return l.stage(batch), nil
}

// gateRefusal is a batch the Gate refused: nothing of it was written.
type gateRefusal struct{ cause error }

func (e *gateRefusal) Error() string { return "audit: not written: " + e.cause.Error() }
func (e *gateRefusal) Unwrap() error { return e.cause }

// admit asks the Gate about st's size (its lines and, for the indexes
// and the head record, as much again).
func (l *Log) admit(st []staged) error {
	if l.opt.Gate == nil || len(st) == 0 {
		return nil
	}
	n := 0
	for _, s := range st {
		n += 2 * len(s.line)
	}
	if err := l.opt.Gate.Allow(n); err != nil {
		return &gateRefusal{cause: err}
	}
	return nil
}

// syncIfNeeded makes the batch durable when a caller waits for it, or
// when the last sync is older than syncEvery.
func (l *Log) syncIfNeeded(batch []*pending) error {
	if !waited(batch) {
		l.dirty.Store(true) // the syncer goroutine syncs within syncEvery
		return nil
	}
	l.dirty.Store(false)
	return l.b.sync()
}

// syncer syncs buffered commits at most syncEvery after they happened.
func (l *Log) syncer() {
	defer close(l.syncDone)
	t := time.NewTicker(syncEvery)
	defer t.Stop()
	for {
		select {
		case <-l.stopMaint:
			return
		case <-t.C:
			if l.dirty.Swap(false) {
				if err := l.b.sync(); err != nil {
					l.log.Error().Err(err).Msg("audit: sync failed")
				}
			}
		}
	}
}

// stage assigns seq, time and hash to each event of batch, chaining from
// the current head. Events that cannot be encoded are refused alone.
func (l *Log) stage(batch []*pending) []staged {
	head, lastTS := l.head, l.lastTS
	out := make([]staged, 0, len(batch))
	for _, p := range batch {
		if p.barrier {
			continue
		}
		e := p.ev
		ts := e.Time.UnixNano()
		if ts < lastTS {
			ts = lastTS // keep key order == chain order if the clock steps back
		}
		e.Time = time.Unix(0, ts).UTC()
		seq := head.Seq + 1
		line, h, err := encodeEntry(seq, head.Hash, e)
		if err != nil {
			l.reportLost(&e, err)
			if p.done != nil {
				p.done <- err
				p.done = nil
			}
			continue
		}
		prev := head.Hash
		head, lastTS = chainPoint{Seq: seq, Hash: h, Time: e.Time}, ts
		out = append(out, staged{p: p, id: makeID(ts, seq), line: line, ev: e, prev: prev, head: head})
	}
	return out
}
