package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore/store/postgres"
)

// restoreAuditPostgres restores an audit export into the PostgreSQL
// database c names: the events are first rebuilt (and every link checked)
// in a scratch Badger log, then copied, chain intact, as the chain of
// this node (--node-id). An export that holds several nodes' chains
// (a cluster's) does not restore yet: audit.Restore stops at the first
// event of another chain.
func restoreAuditPostgres(ctx context.Context, c *common, key []byte, log zerolog.Logger, r io.Reader) (audit.ChainHead, int, error) {
	scratch, err := os.MkdirTemp(c.data, "audit-restore-")
	if err != nil {
		return audit.ChainHead{}, 0, err
	}
	defer os.RemoveAll(scratch)
	opt := audit.Options{Dir: filepath.Join(scratch, "audit"), Logger: &log, EncryptionKey: key}
	head, n, err := audit.Restore(ctx, opt, r)
	if err != nil || n == 0 {
		return head, n, err
	}
	opt.Retention = -1
	src, err := audit.Open(opt)
	if err != nil {
		return head, 0, err
	}
	defer src.Close()
	st, err := c.openStore(c.data, key, false, log, badgerExtras{})
	if err != nil {
		return head, 0, err
	}
	defer st.Close()
	pg, ok := st.(*postgres.Store)
	if !ok {
		return head, 0, fmt.Errorf("restore: the store %T is not PostgreSQL", st)
	}
	copied, err := audit.CopyToPostgres(ctx, src, pg.Pool(), c.nodeID)
	return head, copied, err
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
