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

// keyPosting walks the ids under one key prefix (an index or the events).
type keyPosting struct {
	it     *badger.Iterator
	prefix []byte
	buf    []byte
}

func newKeyPosting(txn *badger.Txn, prefix []byte) *keyPosting {
	it := txn.NewIterator(badger.IteratorOptions{Reverse: true, Prefix: prefix})
	return &keyPosting{it: it, prefix: prefix, buf: make([]byte, 0, len(prefix)+idLen)}
}

func (p *keyPosting) valid() bool {
	return p.it.ValidForPrefix(p.prefix) && len(p.it.Item().Key()) == len(p.prefix)+idLen
}
func (p *keyPosting) next()  { p.it.Next() }
func (p *keyPosting) close() { p.it.Close() }

func (p *keyPosting) cur() id {
	i, _ := idFromKey(p.it.Item().Key())
	return i
}

func (p *keyPosting) seek(t id) {
	p.buf = append(append(p.buf[:0], p.prefix...), t[:]...)
	p.it.Seek(p.buf)
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
