package audit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Export writes the events recorded in [from, to) to w as JSON lines,
// oldest first, in their exact stored form (see Entry), so an export can
// be re-verified outside Latchkey. A zero to means no upper bound. It
// returns the number of events written.
func (l *Log) Export(ctx context.Context, from, to time.Time, w io.Writer) (int, error) {
	return l.b.export(ctx, from, to, w)
}

func (b *badgerBackend) export(ctx context.Context, from, to time.Time, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	start := makeID(0, 0)
	if !from.IsZero() {
		start = makeID(from.UnixNano(), 0)
	}
	var end int64
	if !to.IsZero() {
		end = to.UnixNano()
	}
	err := b.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 256, Prefix: prefixEvent})
		defer it.Close()
		for it.Seek(eventKey(start)); it.Valid(); it.Next() {
			k, _ := idFromKey(it.Item().Key())
			if end != 0 && k.ts() >= end {
				break
			}
			if n%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			err := it.Item().Value(func(v []byte) error {
				bw.Write(v)
				return bw.WriteByte('\n')
			})
			if err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return n, fmt.Errorf("audit: export: %w", err)
	}
	return n, nil
}
