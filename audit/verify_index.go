package audit

import (
	"bytes"
	"context"
	"errors"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// IndexDamaged is Verify's problem for a secondary index that disagrees
// with the chain: an entry for an event that is not chained, an entry
// whose event does not hold the indexed value, or a chained event missing
// from an index it belongs to. Query answers from the indexes, so a
// damaged index hides or invents results; Verify names it.
const IndexDamaged Problem = "index"

// fieldNames names each index in Verify's and Query's messages.
var fieldNames = map[byte]string{
	fieldType:     "type",
	fieldOutcome:  "outcome",
	fieldClient:   "client",
	fieldSubject:  "subject",
	fieldRemoteIP: "remote address",
}

// fieldValue returns the value of e that index field holds.
func fieldValue(field byte, e *Event) string {
	switch field {
	case fieldType:
		return string(e.Type)
	case fieldOutcome:
		return string(e.Outcome)
	case fieldClient:
		return e.ClientID
	case fieldSubject:
		return e.Subject
	case fieldRemoteIP:
		return e.RemoteIP
	}
	return ""
}

// indexKeyLen is the length of every index key.
var indexKeyLen = len(prefixIndex) + 1 + 8 + idLen

// indexTally counts index entries per field, and per event type for the
// type index, so the chain's expectation and the indexes' content compare.
type indexTally struct {
	field map[byte]uint64
	typ   map[Type]uint64
}

func newIndexTally() indexTally {
	return indexTally{field: map[byte]uint64{}, typ: map[Type]uint64{}}
}

// add counts one entry of e under field.
func (t indexTally) add(field byte, e *Event) {
	t.field[field]++
	if field == fieldType {
		t.typ[e.Type]++
	}
}

// addEvent counts every entry e belongs to.
func (t indexTally) addEvent(e *Event) {
	for _, ie := range indexValues(e) {
		t.add(ie.field, e)
	}
}

// verifyIndexes checks every index entry against the chained event it
// points at, then compares the counts with want, the chain's tally. With
// the per-entry check (each entry maps to a distinct chained event holding
// its value), equal counts mean each index holds exactly the chained
// events it should. It sets r's problem at the first disagreement.
func verifyIndexes(ctx context.Context, txn *badger.Txn, want indexTally, r *VerifyResult) error {
	have := newIndexTally()
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefixIndex})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if r.Indexed%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		r.Indexed++
		k := it.Item().Key()
		if len(k) != indexKeyLen || fieldNames[k[len(prefixIndex)]] == "" {
			r.bad(IndexDamaged, 0, "an index holds a malformed key %q", k)
			return nil
		}
		field := k[len(prefixIndex)]
		i, _ := idFromKey(k)
		en, found, err := readEvent(txn, i)
		if err != nil {
			return err
		}
		if !found {
			r.bad(IndexDamaged, i.seq(), "index %s has an entry for seq %d, which is not in the chain", fieldNames[field], i.seq())
			return nil
		}
		v := fieldValue(field, &en.Event)
		if v == "" || !bytes.Equal(indexPrefix(field, v), k[:len(k)-idLen]) {
			r.bad(IndexDamaged, i.seq(), "index %s has an entry for seq %d that does not match it (its %s is %q)",
				fieldNames[field], i.seq(), fieldNames[field], v)
			return nil
		}
		have.add(field, &en.Event)
	}
	types := make([]Type, 0, len(want.typ))
	for t := range want.typ {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		if have.typ[t] != want.typ[t] {
			seq, err := firstUnindexed(ctx, txn, fieldType, string(t))
			if err != nil {
				return err
			}
			r.bad(IndexDamaged, seq, "index type=%s holds %d of the %d chained %s events (first missing: seq %d)",
				t, have.typ[t], want.typ[t], t, seq)
			return nil
		}
	}
	for _, f := range []byte{fieldOutcome, fieldClient, fieldSubject, fieldRemoteIP} {
		if have.field[f] != want.field[f] {
			seq, err := firstUnindexed(ctx, txn, f, "")
			if err != nil {
				return err
			}
			r.bad(IndexDamaged, seq, "index %s holds %d of the %d chained events that have one (first missing: seq %d)",
				fieldNames[f], have.field[f], want.field[f], seq)
			return nil
		}
	}
	return nil
}

// firstUnindexed returns the seq of the oldest chained event missing from
// index field (only events whose value is value, when value is set).
func firstUnindexed(ctx context.Context, txn *badger.Txn, field byte, value string) (uint64, error) {
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 256, Prefix: prefixEvent})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		i, _ := idFromKey(it.Item().Key())
		line, err := it.Item().ValueCopy(nil)
		if err != nil {
			return 0, err
		}
		en, err := decodeEntry(line)
		if err != nil {
			continue // Verify already passed the chain: not reached
		}
		v := fieldValue(field, &en.Event)
		if v == "" || (value != "" && v != value) {
			continue
		}
		if _, err := txn.Get(indexKey(field, v, i)); errors.Is(err, badger.ErrKeyNotFound) {
			return i.seq(), nil
		} else if err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// readEvent reads and decodes the stored event i; found is false when no
// event is stored under i.
func readEvent(txn *badger.Txn, i id) (Entry, bool, error) {
	item, err := txn.Get(eventKey(i))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, err
	}
	var en Entry
	err = item.Value(func(line []byte) error {
		var derr error
		en, derr = decodeEntry(line)
		return derr
	})
	if errors.Is(err, errMalformed) {
		return Entry{}, false, nil
	}
	return en, err == nil, err
}
