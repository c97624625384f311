package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrNotEmpty: Restore was given an audit log that holds events already.
var ErrNotEmpty = errors.New("audit: the log already holds events; restore needs an empty one")

// ChainHead is the newest event of a chain: its seq and hash.
type ChainHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// maxLine bounds one stored event in a restore (Details included).
const maxLine = 16 << 20

// Restore writes the events of an Export (JSON lines in stored form,
// oldest first) into the empty log opt describes, exactly as they were:
// every hash and link is checked on the way in, the first event's
// predecessor becomes the pruning anchor (as if the log had been pruned
// there), the last event the head, and the indexes are rebuilt. It
// refuses a log that holds any event (ErrNotEmpty) and stops at a broken
// chain (what it wrote is then partial: start again on an empty log).
// It returns the head it restored and the number of events; run Verify
// on the reopened log.
func Restore(ctx context.Context, opt Options, r io.Reader) (head ChainHead, events int, err error) {
	opt.Retention = -1 // no pruning while it writes: retention applies when the log is next opened
	l, err := Open(opt)
	if err != nil {
		return ChainHead{}, 0, err
	}
	head, events, err = l.restore(ctx, r)
	return head, events, errors.Join(err, l.Close())
}

func (l *Log) restore(ctx context.Context, r io.Reader) (ChainHead, int, error) {
	if l.head.Seq != 0 || l.head.Hash != genesisHash {
		return ChainHead{}, 0, ErrNotEmpty
	}
	b, ok := l.b.(*badgerBackend)
	if !ok {
		return ChainHead{}, 0, errors.New("audit: restore: the log is not a Badger log (restore into Badger, then CopyToPostgres)")
	}
	wb := b.db.NewWriteBatch()
	defer wb.Cancel()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var head, anchor chainPoint
	n := 0
	for ; sc.Scan(); n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return ChainHead{}, 0, ctx.Err()
		}
		line := sc.Bytes()
		body, hash, err := splitLine(line)
		if err != nil {
			return ChainHead{}, 0, fmt.Errorf("audit: restore: event %d: %w", n+1, err)
		}
		en, err := decodeEntry(line)
		if err != nil {
			return ChainHead{}, 0, fmt.Errorf("audit: restore: event %d: %w", n+1, err)
		}
		if n == 0 {
			anchor = chainPoint{Seq: en.Seq - 1, Hash: en.PrevHash, Time: en.Time}
			head = anchor
		}
		if en.Seq != head.Seq+1 || en.PrevHash != head.Hash || chainHash(en.PrevHash, body) != hash {
			return ChainHead{}, 0, fmt.Errorf("audit: restore: the chain is broken at seq %d (altered, removed or reordered)", en.Seq)
		}
		k := makeID(en.Time.UnixNano(), en.Seq)
		if err := wb.Set(eventKey(k), append([]byte(nil), line...)); err != nil {
			return ChainHead{}, 0, fmt.Errorf("audit: restore: %w", err)
		}
		for _, ie := range indexValues(&en.Event) {
			if err := wb.Set(indexKey(ie.field, ie.value, k), nil); err != nil {
				return ChainHead{}, 0, fmt.Errorf("audit: restore: %w", err)
			}
		}
		head = chainPoint{Seq: en.Seq, Hash: hash, Time: en.Time}
	}
	if err := sc.Err(); err != nil {
		return ChainHead{}, 0, fmt.Errorf("audit: restore: %w", err)
	}
	if head.Seq == 0 {
		return ChainHead{}, 0, nil // nothing to restore
	}
	for _, p := range []struct {
		k []byte
		v chainPoint
	}{{keyHead, head}, {keyAnchor, anchor}} {
		if p.v.Seq == 0 && p.v.Hash == genesisHash {
			continue // never pruned: no anchor
		}
		b, err := json.Marshal(p.v)
		if err != nil {
			return ChainHead{}, 0, err
		}
		if err := wb.Set(p.k, b); err != nil {
			return ChainHead{}, 0, fmt.Errorf("audit: restore: %w", err)
		}
	}
	if err := wb.Flush(); err != nil {
		return ChainHead{}, 0, fmt.Errorf("audit: restore: %w", err)
	}
	return ChainHead{Seq: head.Seq, Hash: head.Hash}, n, b.db.Sync()
}
