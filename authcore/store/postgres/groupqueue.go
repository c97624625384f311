package postgres

import "sync"

// groupQueue is the queue of requests that go to the database as groups
// (rotations.go, familyreads.go): callers add theirs, and one goroutine
// at a time takes the next group and sends it, until nothing is queued.
// The requests that arrive while a group is on its way make the next.
type groupQueue[T any] struct {
	mu      sync.Mutex
	pending []T
	leading bool // a goroutine is sending groups
}

// add queues r and, unless a goroutine leads already, starts lead in one.
func (q *groupQueue[T]) add(r T, lead func()) {
	q.mu.Lock()
	q.pending = append(q.pending, r)
	if !q.leading {
		q.leading = true
		go lead()
	}
	q.mu.Unlock()
}

// next returns the next group, chosen by take with q.mu held; when take
// leaves nothing to send, the leader's turn ends and next returns nil.
func (q *groupQueue[T]) next(take func() []T) []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	group := take()
	if len(group) == 0 {
		q.leading = false
		return nil
	}
	return group
}
