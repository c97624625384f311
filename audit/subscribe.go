package audit

import (
	"context"
	"sync"
)

// streamBuffer is how many events a live subscriber may fall behind before
// it is dropped from the stream.
const streamBuffer = 256

// Subscribe streams events to the caller as they are committed, filtered
// by f (From, To, Limit and Cursor are ignored except that a non-zero To
// or From still bounds event times). The stream never slows the log: a
// subscriber more than 256 events behind receives one final Entry of type
// StreamDropped and its channel is closed. The channel is also closed when
// ctx ends, cancel is called or the log closes. A bad f.Expr is an error
// wrapping ErrBadExpression.
func (l *Log) Subscribe(ctx context.Context, f Filter) (<-chan Entry, func(), error) {
	m, err := compileFilter(f)
	if err != nil {
		return nil, nil, err
	}
	s := &subscriber{m: m, ch: make(chan Entry, streamBuffer+1)}
	l.mu.RLock()
	closed := l.closed
	if !closed {
		l.subs.add(s)
	}
	l.mu.RUnlock()
	if closed {
		return nil, nil, ErrClosed
	}
	stop := make(chan struct{})
	var once sync.Once
	cancel := func() {
		once.Do(func() {
			close(stop)
			l.subs.remove(s)
		})
	}
	go func() {
		select {
		case <-ctx.Done():
			cancel()
		case <-stop:
		}
	}()
	return s.ch, cancel, nil
}

type subscriber struct {
	m  *matcher
	ch chan Entry
}

// hub holds the live subscribers. Only publish sends, under mu, so a send
// never meets a closed channel and never blocks.
type hub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

func (h *hub) add(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = make(map[*subscriber]struct{})
	}
	h.subs[s] = struct{}{}
}

func (h *hub) remove(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.ch)
	}
}

func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		delete(h.subs, s)
		close(s.ch)
	}
}

func (h *hub) publish(en *Entry, line []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if !s.m.match(&en.Event, line) {
			continue
		}
		if len(s.ch) < streamBuffer {
			s.ch <- *en
			continue
		}
		s.ch <- Entry{Event: Event{
			Time: en.Time, Type: StreamDropped, Outcome: Failure,
			Reason: "slow_consumer",
		}}
		delete(h.subs, s)
		close(s.ch)
	}
}
