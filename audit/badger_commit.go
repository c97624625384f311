package audit

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// commit writes st in one transaction, splitting it if Badger finds the
// transaction too big. Every transaction also moves the head record.
func (b *badgerBackend) commit(st []staged) (int, error) {
	if len(st) == 0 {
		return 0, nil
	}
	err := b.db.Update(func(txn *badger.Txn) error {
		for _, s := range st {
			if err := txn.Set(eventKey(s.id), s.line); err != nil {
				return err
			}
		}
		for _, bl := range indexBlocks(st) {
			if err := txn.Set(bl.key, bl.rest); err != nil {
				return err
			}
		}
		head, err := json.Marshal(st[len(st)-1].head)
		if err != nil {
			return err
		}
		return txn.Set(keyHead, head)
	})
	if errors.Is(err, badger.ErrTxnTooBig) && len(st) > 1 {
		half := len(st) / 2
		n, err := b.commit(st[:half])
		if err != nil {
			return n, err
		}
		m, err := b.commit(st[half:])
		return n + m, err
	}
	if err != nil {
		return 0, fmt.Errorf("audit: commit: %w", err)
	}
	return 1, nil
}

// indexBlock is one index key of a commit and the later ids it lists.
type indexBlock struct {
	key, rest []byte
}

// indexBlocks groups the index entries of st (in id order) into one
// block per field and value (keys.go).
func indexBlocks(st []staged) []indexBlock {
	var blocks []indexBlock
	at := map[string]int{}
	for i := range st {
		for _, ie := range indexValues(&st[i].ev) {
			p := indexPrefix(ie.field, ie.value)
			if j, ok := at[string(p)]; ok {
				blocks[j].rest = append(blocks[j].rest, st[i].id[:]...)
				continue
			}
			at[string(p)] = len(blocks)
			blocks = append(blocks, indexBlock{key: append(p, st[i].id[:]...)})
		}
	}
	return blocks
}
