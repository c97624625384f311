package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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

// verifyIndexes checks the indexes against want, the chain's tally, in
// one pass over the index blocks; when they differ, diagnoseIndexes names
// the damage.
func verifyIndexes(ctx context.Context, txn *badger.Txn, want indexTally, r *VerifyResult) error {
	have := newIndexTally(want.secret)
	err := walkIndex(ctx, txn, func(k []byte, entries [][]byte) (bool, error) {
		if entries == nil {
			r.Indexed++
			r.bad(IndexDamaged, 0, "an index holds a malformed key %q", k)
			return true, nil
		}
		r.Indexed += uint64(len(entries))
		for _, e := range entries {
			have.add(e)
		}
		return false, nil
	})
	if err != nil || r.Problem != "" {
		return err
	}
	if have.same(want) {
		return nil
	}
	return diagnoseIndexes(ctx, txn, want, have, r)
}

// diagnoseIndexes names the first damage: an entry that does not point
// at a chained event holding its value, else an index that holds fewer
// entries than the chain calls for. With every entry checked (each maps
// to a distinct chained event holding its value), equal counts would mean
// equal sets, so one of the two is always found.
func diagnoseIndexes(ctx context.Context, txn *badger.Txn, want, have indexTally, r *VerifyResult) error {
	err := walkIndex(ctx, txn, func(_ []byte, entries [][]byte) (bool, error) {
		for _, e := range entries {
			detail, seq, err := checkIndexKey(txn, e)
			if err != nil {
				return true, err
			}
			if detail != "" {
				r.bad(IndexDamaged, seq, "%s", detail)
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil || r.Problem != "" {
		return err
	}
	groups := make([]string, 0, len(want.types))
	for g := range want.types {
		groups = append(groups, g)
	}
	slices.SortFunc(groups, func(a, b string) int { return strings.Compare(string(want.types[a]), string(want.types[b])) })
	for _, g := range groups {
		if n, w := have.count(g), want.count(g); n != w {
			t := want.types[g]
			seq, err := firstUnindexed(ctx, txn, fieldType, string(t))
			if err != nil {
				return err
			}
			r.bad(IndexDamaged, seq, "index type=%s holds %d of the %d chained %s events (first missing: seq %d)",
				t, n, w, t, seq)
			return nil
		}
	}
	for _, f := range []byte{fieldOutcome, fieldClient, fieldSubject, fieldRemoteIP} {
		if n, w := have.count(string([]byte{f})), want.count(string([]byte{f})); n != w {
			seq, err := firstUnindexed(ctx, txn, f, "")
			if err != nil {
				return err
			}
			r.bad(IndexDamaged, seq, "index %s holds %d of the %d chained events that have one (first missing: seq %d)",
				fieldNames[f], n, w, seq)
			return nil
		}
	}
	r.bad(IndexDamaged, 0, "the indexes disagree with the chain")
	return nil
}

// walkIndex calls fn with every index block's key and the entries it
// holds, each as the single-entry key prefix+id, until fn says stop or
// fails. entries is nil for a malformed block: a key of the wrong length
// or field, a value that is not ascending ids, or ids that overlap the
// previous block of the same value. Both are valid only during the call.
func walkIndex(ctx context.Context, txn *badger.Txn, fn func(k []byte, entries [][]byte) (stop bool, err error)) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefixIndex})
	defer it.Close()
	var ids []id
	var entries [][]byte
	var prev []byte // the last good block's prefix and last id
	for it.Rewind(); it.Valid(); it.Next() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		k := it.Item().Key()
		entries = entries[:0]
		if len(k) == indexKeyLen && fieldNames[k[len(prefixIndex)]] != "" {
			ok := false
			err := it.Item().Value(func(v []byte) error {
				ids, ok = blockIDs(ids[:0], k, v)
				return nil
			})
			if err != nil {
				return err
			}
			p := k[:len(k)-idLen]
			if ok && len(prev) == len(k) && bytes.Equal(prev[:len(p)], p) && string(ids[0][:]) <= string(prev[len(p):]) {
				ok = false
			}
			if ok {
				last := ids[len(ids)-1]
				prev = append(append(prev[:0], p...), last[:]...)
				for _, i := range ids {
					entries = append(entries, append(p[:len(p):len(p)], i[:]...))
				}
			}
		}
		e := entries
		if len(e) == 0 {
			e = nil
		}
		if stop, err := fn(k, e); stop || err != nil {
			return err
		}
	}
	return nil
}

// hasIndexEntry reports whether the index of field == value holds id i:
// whether the block that would hold it does.
func hasIndexEntry(txn *badger.Txn, field byte, value string, i id) (bool, error) {
	p := indexPrefix(field, value)
	it := txn.NewIterator(badger.IteratorOptions{Reverse: true, Prefix: p})
	defer it.Close()
	it.Seek(append(p, i[:]...))
	if !it.ValidForPrefix(p) {
		return false, nil
	}
	k := it.Item().Key()
	found := false
	err := it.Item().Value(func(v []byte) error {
		ids, ok := blockIDs(nil, k, v)
		found = ok && slices.Contains(ids, i)
		return nil
	})
	return found, err
}

// checkIndexKey says what is wrong with index key k (empty when nothing
// is): malformed, pointing at no stored event, or at one that does not
// hold its value; seq is the event it points at.
func checkIndexKey(txn *badger.Txn, k []byte) (detail string, seq uint64, err error) {
	if len(k) != indexKeyLen || fieldNames[k[len(prefixIndex)]] == "" {
		return fmt.Sprintf("an index holds a malformed key %q", k), 0, nil
	}
	field := k[len(prefixIndex)]
	i, _ := idFromKey(k)
	en, found, err := readEvent(txn, i)
	switch {
	case err != nil:
		return "", 0, err
	case !found:
		return fmt.Sprintf("index %s has an entry for seq %d, which is not in the chain", fieldNames[field], i.seq()), i.seq(), nil
	}
	if v := fieldValue(field, &en.Event); v == "" || !bytes.Equal(indexPrefix(field, v), k[:len(k)-idLen]) {
		return fmt.Sprintf("index %s has an entry for seq %d that does not match it (its %s is %q)",
			fieldNames[field], i.seq(), fieldNames[field], v), i.seq(), nil
	}
	return "", i.seq(), nil
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
		if ok, err := hasIndexEntry(txn, field, v, i); err != nil {
			return 0, err
		} else if !ok {
			return i.seq(), nil
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
