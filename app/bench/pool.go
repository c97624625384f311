package bench

import "sync"

// Pool is a set of single-use inputs (codes, tokens) shared by workers.
type Pool[T any] struct {
	mu    sync.Mutex
	items []T
}

// Put adds items.
func (p *Pool[T]) Put(items ...T) {
	p.mu.Lock()
	p.items = append(p.items, items...)
	p.mu.Unlock()
}

// Take removes and returns one item; false when the pool is empty.
func (p *Pool[T]) Take() (T, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var zero T
	if len(p.items) == 0 {
		return zero, false
	}
	v := p.items[len(p.items)-1]
	p.items = p.items[:len(p.items)-1]
	return v, true
}

// Len is how many items are left.
func (p *Pool[T]) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.items)
}

// Drain empties the pool and returns what it held.
func (p *Pool[T]) Drain() []T {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.items
	p.items = nil
	return out
}
