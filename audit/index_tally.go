package audit

import "crypto/sha256"

// indexTally fingerprints a set of index keys per group: each entry of
// the type index counts under its type, every other index as a whole. A
// group's fingerprint is the count and the XOR of a keyed SHA-256 of each
// key under a secret drawn for this Verify run, so an attacker who edits
// the store beforehand cannot make a different set of keys match (the
// keyed multiset hash of Clarke et al., 2003). Verify compares the
// chain's expectation with the indexes' content this way, one pass over
// each, and only when they differ looks the entries up one by one to
// name what is wrong.
type indexTally struct {
	secret *[32]byte
	groups map[string]*indexGroup
	types  map[string]Type // type-index group -> the type it holds
}

type indexGroup struct {
	n uint64
	x [16]byte
}

func newIndexTally(secret *[32]byte) indexTally {
	return indexTally{secret: secret, groups: map[string]*indexGroup{}, types: map[string]Type{}}
}

// group is the tally group of index key k (of indexKeyLen bytes).
func group(k []byte) []byte {
	if k[len(prefixIndex)] == fieldType {
		return k[len(prefixIndex) : len(prefixIndex)+9]
	}
	return k[len(prefixIndex) : len(prefixIndex)+1]
}

// add counts index key k.
func (t indexTally) add(k []byte) {
	g := t.groups[string(group(k))]
	if g == nil {
		g = &indexGroup{}
		t.groups[string(group(k))] = g
	}
	h := sha256.New()
	h.Write(t.secret[:])
	h.Write(k)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	g.n++
	for j := range g.x {
		g.x[j] ^= sum[j]
	}
}

// addEvent counts every index key event i (holding e) calls for.
func (t indexTally) addEvent(e *Event, i id) {
	for _, ie := range indexValues(e) {
		k := indexKey(ie.field, ie.value, i)
		t.add(k)
		if ie.field == fieldType {
			t.types[string(group(k))] = e.Type
		}
	}
}

// same reports whether t and o hold the same fingerprints.
func (t indexTally) same(o indexTally) bool {
	if len(t.groups) != len(o.groups) {
		return false
	}
	for k, g := range t.groups {
		if h := o.groups[k]; h == nil || *h != *g {
			return false
		}
	}
	return true
}

// count is how many keys group k holds.
func (t indexTally) count(k string) uint64 {
	if g := t.groups[k]; g != nil {
		return g.n
	}
	return 0
}
