package audit

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Problem names what Verify found wrong.
type Problem string

// Problems Verify reports.
const (
	Altered   Problem = "altered"   // an event's bytes or hash changed
	Removed   Problem = "removed"   // a seq is missing from the chain
	Reordered Problem = "reordered" // an event sits out of chain order
	// IndexDamaged: see verify_index.go.
)

// VerifyResult is the outcome of Verify. When OK is false, Seq names the
// first event found bad and Problem says how; Detail explains.
type VerifyResult struct {
	OK      bool
	Checked uint64 // events whose hash was checked
	Indexed uint64 // index entries checked against the chain
	Anchor  uint64 // seq of the pruning anchor (0 if never pruned)
	Last    uint64 // seq of the last event walked
	// Node is the node whose chain (or row) is bad, on PostgreSQL (one
	// chain per node); Nodes counts the chains found intact.
	Node    string
	Nodes   int
	Problem Problem
	Seq     uint64
	Detail  string
}

// Verify walks the hash chain in key order, from the pruning anchor (or
// the genesis) to the head record, recomputing every hash. It names the
// first event that was altered, removed or reordered. A broken link whose
// own event hashes correctly names the previous event as altered (it was
// edited and re-hashed). When the chain is intact it then checks every
// secondary index against it (IndexDamaged): the indexes are not hashed,
// and Query answers from them.
func (l *Log) Verify(ctx context.Context) (VerifyResult, error) {
	r, err := l.b.verify(ctx)
	if err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
	}
	if r.OK || r.Problem == IndexDamaged {
		l.indexDamaged.Store(!r.OK) // the indexes were checked
	}
	return r, nil
}

func (b *badgerBackend) verify(ctx context.Context) (VerifyResult, error) {
	var r VerifyResult
	err := b.db.View(func(txn *badger.Txn) error {
		anchor, head, err := chainEnds(txn)
		if err != nil {
			return err
		}
		r.Anchor = anchor.Seq
		var secret [32]byte
		if _, err := rand.Read(secret[:]); err != nil {
			return err
		}
		w := chainWalk{expect: anchor.Seq + 1, prev: anchor.Hash, r: &r, want: newIndexTally(&secret)}
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 256, Prefix: prefixEvent})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if r.Checked%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			k, _ := idFromKey(it.Item().Key())
			if err := it.Item().Value(func(v []byte) error { w.step(k, v); return nil }); err != nil {
				return err
			}
		}
		w.finish(head)
		if !r.OK {
			return nil
		}
		err = verifyIndexes(ctx, txn, w.want, &r)
		r.OK = r.Problem == ""
		return err
	})
	return r, err
}

// chainEnds reads the anchor (or genesis) and the head record.
func chainEnds(txn *badger.Txn) (anchor, head chainPoint, err error) {
	anchor.Hash = genesisHash
	for _, x := range []struct {
		k []byte
		p *chainPoint
	}{{keyAnchor, &anchor}, {keyHead, &head}} {
		item, err := txn.Get(x.k)
		if errors.Is(err, badger.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return anchor, head, err
		}
		if err := item.Value(func(v []byte) error { return json.Unmarshal(v, x.p) }); err != nil {
			return anchor, head, err
		}
	}
	return anchor, head, nil
}

// chainWalk is Verify's state. After the first problem it only looks for
// the missing seq further on, to tell a removal from a move.
type chainWalk struct {
	expect  uint64
	prev    string
	r       *VerifyResult
	missing uint64
	want    indexTally // index entries the walked events call for
}

func (w *chainWalk) bad(p Problem, seq uint64, format string, a ...any) {
	w.r.bad(p, seq, format, a...)
}

// bad records the problem Verify found.
func (r *VerifyResult) bad(p Problem, seq uint64, format string, a ...any) {
	r.Problem, r.Seq, r.Detail = p, seq, fmt.Sprintf(format, a...)
}

func (w *chainWalk) step(k id, line []byte) {
	if w.r.Problem != "" {
		if w.missing != 0 && k.seq() == w.missing {
			w.bad(Reordered, w.missing, "seq %d is stored after seq %d", w.missing, w.r.Last)
			w.missing = 0
		}
		return
	}
	w.r.Checked++
	body, hash, err := splitLine(line)
	var en Entry
	if err == nil {
		en, err = decodeEntry(line)
	}
	switch {
	case err != nil:
		w.bad(Altered, k.seq(), "stored event is not valid: %v", err)
	case chainHash(en.PrevHash, body) != hash:
		w.bad(Altered, k.seq(), "hash of seq %d does not match its contents", k.seq())
	case en.Seq != k.seq() || en.Time.UnixNano() != k.ts():
		w.bad(Reordered, k.seq(), "key of seq %d holds the event of seq %d", k.seq(), en.Seq)
	case en.Seq > w.expect:
		w.bad(Removed, w.expect, "seq %d to %d missing before seq %d", w.expect, en.Seq-1, en.Seq)
		w.missing = w.expect
	case en.Seq < w.expect:
		w.bad(Reordered, en.Seq, "seq %d stored after seq %d", en.Seq, w.expect-1)
	case en.PrevHash != w.prev:
		w.bad(Altered, en.Seq-1, "seq %d does not link to the stored hash of seq %d", en.Seq, en.Seq-1)
	default:
		w.r.Last, w.expect, w.prev = en.Seq, en.Seq+1, hash
		if w.want.groups != nil { // Badger's indexes are checked against it
			w.want.addEvent(&en.Event, k)
		}
	}
}

func (w *chainWalk) finish(head chainPoint) {
	if w.r.Problem == "" && head.Seq >= w.expect {
		w.bad(Removed, w.expect, "seq %d to %d (the newest) missing", w.expect, head.Seq)
	} else if w.r.Problem == "" && head.Seq != 0 && head.Hash != w.prev {
		w.bad(Altered, head.Seq, "head record does not match seq %d", head.Seq)
	}
	w.r.OK = w.r.Problem == ""
}
