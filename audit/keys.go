package audit

import (
	"crypto/sha256"
	"encoding/binary"
)

// Key layout of the audit database (its own Badger, never shared):
//
//	v1/ev/<ts:8><seq:8>                   the stored event (JSON, see Entry)
//	v1/ix/<field:1><h(value):8><ts:8><seq:8>  secondary index block (below)
//	v1/meta/head                          seq and hash of the newest event
//	v1/meta/anchor                        seq and hash of the last pruned event
//
// ts is the event's Unix time in nanoseconds and seq its chain position,
// both big-endian so that byte order is time order. Index values are a
// truncated SHA-256 of the field value: fixed length, so no value (and no
// cursor) can reach outside its own prefix.
//
// An index key is a block: the key names the first event of one commit
// that holds the value, and its value lists the ids of that commit's later
// events holding it too (idLen bytes each, ascending; empty for one
// event). A commit of many events of one client thus writes one key per
// index and value, not one per event: the entries Badger encrypts,
// flushes and compacts fall from about six per event to little more than
// one. Ids only grow (the writer keeps ts from stepping back), so the
// blocks of one value never overlap, and a store written with one key per
// entry reads the same.
var (
	prefixEvent = []byte("v1/ev/")
	prefixIndex = []byte("v1/ix/")
	keyHead     = []byte("v1/meta/head")
	keyAnchor   = []byte("v1/meta/anchor")
)

// Index field tags.
const (
	fieldType     = 't'
	fieldOutcome  = 'o'
	fieldClient   = 'c'
	fieldSubject  = 's'
	fieldRemoteIP = 'i'
)

// idLen is the length of an event id: big-endian nanoseconds then seq.
const idLen = 16

// id is the position of one event: time then seq, big-endian.
type id [idLen]byte

func makeID(ts int64, seq uint64) id {
	var i id
	binary.BigEndian.PutUint64(i[:8], uint64(ts))
	binary.BigEndian.PutUint64(i[8:], seq)
	return i
}

func (i id) ts() int64    { return int64(binary.BigEndian.Uint64(i[:8])) }
func (i id) seq() uint64  { return binary.BigEndian.Uint64(i[8:]) }
func (i id) isZero() bool { return i == id{} }

// prev returns the id just below i (i - 1 as a 128-bit number) and false
// when i is already the smallest id.
func (i id) prev() (id, bool) {
	if i.isZero() {
		return i, false
	}
	for k := idLen - 1; k >= 0; k-- {
		if i[k] > 0 {
			i[k]--
			return i, true
		}
		i[k] = 0xff
	}
	return i, true
}

func eventKey(i id) []byte {
	k := make([]byte, 0, len(prefixEvent)+idLen)
	k = append(k, prefixEvent...)
	return append(k, i[:]...)
}

// indexPrefix is the prefix of every index key for field == value.
func indexPrefix(field byte, value string) []byte {
	h := sha256.Sum256([]byte(value))
	k := make([]byte, 0, len(prefixIndex)+1+8+idLen)
	k = append(k, prefixIndex...)
	k = append(k, field)
	return append(k, h[:8]...)
}

func indexKey(field byte, value string, i id) []byte {
	return append(indexPrefix(field, value), i[:]...)
}

// indexEntry is one (field, value) pair an event is indexed under.
type indexEntry struct {
	field byte
	value string
}

// indexValues returns the indexed pairs of e; empty values are not indexed.
func indexValues(e *Event) []indexEntry {
	all := []indexEntry{
		{fieldType, string(e.Type)},
		{fieldOutcome, string(e.Outcome)},
		{fieldClient, e.ClientID},
		{fieldSubject, e.Subject},
		{fieldRemoteIP, e.RemoteIP},
	}
	out := all[:0]
	for _, ie := range all {
		if ie.value != "" {
			out = append(out, ie)
		}
	}
	return out
}

// blockIDs appends to dst the ids index block (key k, value v) holds: k's
// own, then v's. ok is false when v is not a list of ids ascending after
// k's.
func blockIDs(dst []id, k, v []byte) ([]id, bool) {
	first, ok := idFromKey(k)
	if !ok || len(v)%idLen != 0 {
		return dst, false
	}
	dst = append(dst, first)
	for o := 0; o < len(v); o += idLen {
		var i id
		copy(i[:], v[o:o+idLen])
		if string(i[:]) <= string(dst[len(dst)-1][:]) {
			return dst, false
		}
		dst = append(dst, i)
	}
	return dst, true
}

// idFromKey extracts the trailing id of an event or index key.
func idFromKey(k []byte) (id, bool) {
	var i id
	if len(k) < idLen {
		return i, false
	}
	copy(i[:], k[len(k)-idLen:])
	return i, true
}
