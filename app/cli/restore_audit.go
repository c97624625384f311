package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore/store/postgres"
)

// restoreAuditPostgres restores an audit export into the PostgreSQL
// database c names, chain by chain, in one transaction: each node's
// events are first rebuilt (and every link checked) in a scratch Badger
// log, then copied, intact, as that node's chain (the one chain of a
// backup whose chunks name no node, as this node's, --node-id). One
// scratch log is open at a time, however many nodes the cluster had.
func restoreAuditPostgres(ctx context.Context, c *common, key []byte, log zerolog.Logger, ar *auditReader) (auditTally, error) {
	var t auditTally
	scratch, err := os.MkdirTemp(c.data, "audit-restore-")
	if err != nil {
		return t, err
	}
	defer os.RemoveAll(scratch)
	st, err := c.openStore(c.data, key, false, log, badgerExtras{})
	if err != nil {
		return t, err
	}
	defer st.Close()
	pg, ok := st.(*postgres.Store)
	if !ok {
		return t, fmt.Errorf("restore: the store %T is not PostgreSQL", st)
	}
	var cur *audit.Log
	dirs := 0
	done := func() { // the chain copied: its scratch log goes
		if cur != nil {
			cur.Close()
			cur = nil
		}
		_ = os.RemoveAll(filepath.Join(scratch, strconv.Itoa(dirs)))
	}
	defer done()
	next := func() (string, *audit.Log, bool, error) {
		for {
			done()
			node, r, ok, err := ar.chain()
			if err != nil || !ok {
				return "", nil, false, err
			}
			dirs++
			opt := audit.Options{Dir: filepath.Join(scratch, strconv.Itoa(dirs)), Logger: &log, EncryptionKey: key}
			head, n, err := audit.Restore(ctx, opt, r)
			if err != nil {
				return "", nil, false, fmt.Errorf("restore: the audit chain of node %q: %w", node, err)
			}
			t.add(node, head, n)
			if n == 0 {
				continue
			}
			opt.Retention = -1
			if cur, err = audit.Open(opt); err != nil {
				return "", nil, false, err
			}
			return cmp.Or(node, c.nodeID, audit.DefaultNodeID()), cur, true, nil
		}
	}
	copied, err := audit.CopyChainsToPostgres(ctx, pg.Pool(), next)
	if err == nil && copied != t.Events {
		err = fmt.Errorf("restore: %d audit events copied into the database, %d restored", copied, t.Events)
	}
	return t, err
}

// checkRestoredHeads compares the head of every node's chain in the
// restored audit log (verified) with the backup's manifest.
func checkRestoredHeads(ctx context.Context, alog *audit.Log, want []auditChain) error {
	heads, err := alog.Heads(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, c := range want {
		if h, ok := heads[c.Node]; !ok || h != c.Head {
			return fmt.Errorf("restore: the restored audit chain of node %q ends at seq %d, the backup's manifest at %d", c.Node, h.Seq, c.Head.Seq)
		}
		delete(heads, c.Node)
	}
	for node, h := range heads {
		return fmt.Errorf("restore: the restored audit log holds a chain of node %q (up to seq %d) the backup's manifest does not", node, h.Seq)
	}
	return nil
}

// openRestoredAudit opens the audit log restore wrote, where a server of
// c's store would: DIR/audit, or the PostgreSQL database.
func openRestoredAudit(c *common, key []byte, log zerolog.Logger) (*audit.Log, func(), error) {
	if c.store == "" {
		l, err := audit.Open(audit.Options{Dir: filepath.Join(c.data, "audit"), Logger: &log, EncryptionKey: key, Retention: -1})
		if err != nil {
			return nil, nil, err
		}
		return l, func() { l.Close() }, nil
	}
	st, err := c.openStore(c.data, key, false, log, badgerExtras{})
	if err != nil {
		return nil, nil, err
	}
	pg, ok := st.(*postgres.Store)
	if !ok {
		st.Close()
		return nil, nil, fmt.Errorf("restore: the store %T is not PostgreSQL", st)
	}
	l, err := audit.OpenPostgres(context.Background(), pg.Pool(), audit.Options{NodeID: c.nodeID, Logger: &log, Retention: -1})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return l, func() { _ = errors.Join(l.Close(), st.Close()) }, nil
}
