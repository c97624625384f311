package audit

import (
	"github.com/dgraph-io/badger/v4"
)

// posting walks event ids newest first. seek positions it at the largest
// id <= target. Index postings read keys only (prefetch off), so walking
// and intersecting them never touches event values.
type posting interface {
	valid() bool
	cur() id
	next()
	seek(target id)
	close()
}

// keyPosting walks the ids under one key prefix: the events' own keys,
// or the blocks of one index value (keys.go), each expanded into its ids.
type keyPosting struct {
	it     *badger.Iterator
	prefix []byte
	buf    []byte
	blocks bool // an index: each key's value lists more ids
	ids    []id // the current key's ids, ascending
	pos    int  // ids[pos] is cur; -1 when the walk is over
}

func newKeyPosting(txn *badger.Txn, prefix []byte) *keyPosting {
	it := txn.NewIterator(badger.IteratorOptions{Reverse: true, Prefix: prefix})
	return &keyPosting{it: it, prefix: prefix, buf: make([]byte, 0, len(prefix)+idLen), pos: -1}
}

// newIndexPosting walks the index blocks of field == value.
func newIndexPosting(txn *badger.Txn, field byte, value string) *keyPosting {
	p := newKeyPosting(txn, indexPrefix(field, value))
	p.blocks = true
	return p
}

// load reads the ids of the key the iterator is at and points cur at the
// last; a malformed block counts as its key's id alone (Verify names it,
// and the query checks every event it reads against the filter).
func (p *keyPosting) load() {
	p.pos = -1
	if !p.it.ValidForPrefix(p.prefix) || len(p.it.Item().Key()) != len(p.prefix)+idLen {
		return
	}
	k := p.it.Item().Key()
	p.ids = p.ids[:0]
	if p.blocks {
		_ = p.it.Item().Value(func(v []byte) error {
			var ok bool
			if p.ids, ok = blockIDs(p.ids, k, v); !ok {
				p.ids = p.ids[:0]
			}
			return nil
		})
	}
	if len(p.ids) == 0 {
		i, _ := idFromKey(k)
		p.ids = append(p.ids, i)
	}
	p.pos = len(p.ids) - 1
}

func (p *keyPosting) valid() bool { return p.pos >= 0 }
func (p *keyPosting) cur() id     { return p.ids[p.pos] }
func (p *keyPosting) close()      { p.it.Close() }

func (p *keyPosting) next() {
	if p.pos--; p.pos < 0 {
		p.it.Next()
		p.load()
	}
}

// seek goes to the largest id <= t: the block whose first id is the
// largest <= t (blocks never overlap), then down within it. A t between
// the current block's first id and the current one (an intersection's
// seeks mostly go a little further down) stays in the block without
// asking Badger.
func (p *keyPosting) seek(t id) {
	inBlock := p.pos >= 0 && string(p.ids[0][:]) <= string(t[:]) && string(t[:]) <= string(p.ids[p.pos][:])
	if !inBlock {
		p.buf = append(append(p.buf[:0], p.prefix...), t[:]...)
		p.it.Seek(p.buf)
		p.load()
	}
	for p.pos >= 0 && string(p.ids[p.pos][:]) > string(t[:]) {
		p.pos--
	}
}

// unionPosting yields ids present in any child (Types with several values).
type unionPosting struct{ kids []posting }

func (u *unionPosting) valid() bool {
	for _, k := range u.kids {
		if k.valid() {
			return true
		}
	}
	return false
}

func (u *unionPosting) cur() id {
	var best id
	for _, k := range u.kids {
		if k.valid() {
			if c := k.cur(); string(c[:]) > string(best[:]) {
				best = c
			}
		}
	}
	return best
}

func (u *unionPosting) next() {
	c := u.cur()
	for _, k := range u.kids {
		if k.valid() && k.cur() == c {
			k.next()
		}
	}
}

func (u *unionPosting) seek(t id) {
	for _, k := range u.kids {
		k.seek(t)
	}
}

func (u *unionPosting) close() {
	for _, k := range u.kids {
		k.close()
	}
}

// intersectPosting yields ids present in every child: a zig-zag join that
// seeks each child down to the lowest current id until all agree.
type intersectPosting struct {
	kids []posting
	ok   bool
}

func (x *intersectPosting) valid() bool { return x.ok }
func (x *intersectPosting) cur() id     { return x.kids[0].cur() }

func (x *intersectPosting) next() {
	x.kids[0].next()
	x.align()
}

func (x *intersectPosting) seek(t id) {
	for _, k := range x.kids {
		k.seek(t)
	}
	x.align()
}

func (x *intersectPosting) align() {
	for {
		var low id
		for n, k := range x.kids {
			if !k.valid() {
				x.ok = false
				return
			}
			if c := k.cur(); n == 0 || string(c[:]) < string(low[:]) {
				low = c
			}
		}
		agree := true
		for _, k := range x.kids {
			if k.cur() != low {
				agree = false
				k.seek(low)
			}
		}
		if agree {
			x.ok = true
			return
		}
	}
}

func (x *intersectPosting) close() {
	for _, k := range x.kids {
		k.close()
	}
}
