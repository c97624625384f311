package cli

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/internal/sealed"
)

// A backup file is a sealed stream (internal/sealed, keyed by the
// installation's data-encryption key) holding a gob stream:
//
//	backupHeader
//	the store: badgerBatch... up to one with End set (Badger: every key
//	  of one read-only transaction), or one authcore.Snapshot (PostgreSQL:
//	  one REPEATABLE READ read of every table)
//	auditChunk... up to one with End set (audit.Log.ExportChains' JSON
//	  lines, chain by chain: each chunk names the node whose chain its
//	  lines belong to, "" for the one chain of a Badger log)
//	backupManifest
//
// The manifest comes last because the audit log's head is known only once
// it was read; restore checks everything against it.
const backupPurpose = "latchkey backup v1"

// backupFormat is the version of the gob stream inside.
const backupFormat = 1

type backupHeader struct {
	Format int
	Store  string // "badger" or "postgres"
}

type badgerBatch struct {
	Entries []badger.Entry
	End     bool
}

type auditChunk struct {
	Lines []byte
	End   bool
	Node  string // the node whose chain Lines belong to ("": Badger's one chain)
}

// backupManifest says what a backup holds: records per kind, and the
// audit log's event count and chain head (the last event's), and on
// PostgreSQL each node's chain (AuditChains, in node order).
type backupManifest struct {
	Created     time.Time       `json:"created"`
	Store       string          `json:"store"`
	Counts      map[string]int  `json:"counts"`
	AuditEvents int             `json:"audit_events"`
	AuditHead   audit.ChainHead `json:"audit_head"`
	AuditChains []auditChain    `json:"audit_chains,omitempty"`
}

// writeBackup writes a sealed backup of st and alog to w: the store in one
// consistent read, then the audit log in another (so it holds at least
// every event of the changes the store snapshot holds).
func writeBackup(ctx context.Context, st authcore.Storage, alog *audit.Log, key []byte, w io.Writer) (backupManifest, error) {
	m := backupManifest{Created: time.Now().UTC()}
	sw, err := sealed.NewWriter(w, key, backupPurpose)
	if err != nil {
		return m, err
	}
	enc := gob.NewEncoder(sw)
	switch s := st.(type) {
	case *badger.Store:
		m.Store = "badger"
		if err := enc.Encode(backupHeader{Format: backupFormat, Store: m.Store}); err != nil {
			return m, err
		}
		var batch []badger.Entry
		m.Counts, err = s.Backup(ctx, func(e badger.Entry) error {
			if batch = append(batch, e); len(batch) < 512 {
				return nil
			}
			err := enc.Encode(badgerBatch{Entries: batch})
			batch = batch[:0]
			return err
		})
		if err == nil {
			err = enc.Encode(badgerBatch{Entries: batch, End: true})
		}
	case authcore.Exporter:
		m.Store = "postgres"
		if err := enc.Encode(backupHeader{Format: backupFormat, Store: m.Store}); err != nil {
			return m, err
		}
		var snap authcore.Snapshot
		if snap, err = s.Export(ctx); err == nil {
			m.Counts = countMap(snap)
			err = enc.Encode(snap)
		}
	default:
		return m, fmt.Errorf("backup: the store %T cannot be read whole", st)
	}
	if err != nil {
		return m, fmt.Errorf("backup: the store: %w", err)
	}
	aw := &auditWriter{enc: enc}
	if _, err = alog.ExportChains(ctx, aw.begin, aw); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if err := enc.Encode(auditChunk{End: true}); err != nil {
		return m, err
	}
	t, err := aw.finish()
	if err != nil {
		return m, err
	}
	m.AuditEvents, m.AuditHead, m.AuditChains = t.Events, t.Head, t.Chains
	if err := enc.Encode(m); err != nil {
		return m, err
	}
	return m, sw.Close()
}

// countMap is snapshotCounts as a map.
func countMap(s authcore.Snapshot) map[string]int {
	out := map[string]int{}
	for _, k := range snapshotCounts(s) {
		out[k.kind] = k.n
	}
	return out
}

// auditWriter sends the audit export in chunks, each naming its chain's
// node, and tallies every chain.
type auditWriter struct {
	enc     *gob.Encoder
	node    string
	tail    lineTail // of the current chain
	started bool
	tally   auditTally
}

// begin ends the current chain and starts node's (audit.Log.ExportChains).
func (a *auditWriter) begin(node string) error {
	if a.started {
		if err := a.tally.addTail(a.node, &a.tail); err != nil {
			return err
		}
	}
	a.node, a.tail, a.started = node, lineTail{}, true
	return nil
}

// finish ends the last chain and returns the tally of them all.
func (a *auditWriter) finish() (auditTally, error) {
	err := a.begin("")
	return a.tally, err
}

func (a *auditWriter) Write(p []byte) (int, error) {
	if err := a.enc.Encode(auditChunk{Lines: p, Node: a.node}); err != nil {
		return 0, err
	}
	return a.tail.Write(p)
}

// lineTail counts the lines written to it and keeps the last one.
type lineTail struct {
	last  []byte // the last complete line, or what follows it
	lines int
}

func (a *lineTail) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	a.lines += bytes.Count(p, []byte{'\n'})
	a.last = append(a.last, p...)
	if i := bytes.LastIndexByte(a.last[:len(a.last)-1], '\n'); i >= 0 {
		a.last = append(a.last[:0], a.last[i+1:]...)
	}
	return len(p), nil
}

// head is the chain head of the last line written (zero without one).
func (a *lineTail) head() (audit.ChainHead, error) {
	var h audit.ChainHead
	if len(bytes.TrimSpace(a.last)) == 0 {
		return h, nil
	}
	if err := json.Unmarshal(a.last, &h); err != nil || h.Hash == "" {
		return h, errors.New("backup: the audit log's last event is malformed")
	}
	return h, nil
}

// auditReader reads the audit chunks back as one stream (Read), or chain
// by chain (chain).
type auditReader struct {
	dec  *gob.Decoder
	buf  []byte
	node string // the node of buf's lines
	done bool
}

// fill reads chunks until buf holds lines; false at the end.
func (a *auditReader) fill() (bool, error) {
	for len(a.buf) == 0 {
		if a.done {
			return false, nil
		}
		var c auditChunk
		if err := a.dec.Decode(&c); err != nil {
			return false, fmt.Errorf("restore: the audit log: %w", err)
		}
		a.buf, a.node, a.done = c.Lines, c.Node, c.End
	}
	return true, nil
}

func (a *auditReader) Read(p []byte) (int, error) {
	return a.readChain(p, func(string) bool { return true })
}

// readChain reads lines while same accepts the node of the next ones.
func (a *auditReader) readChain(p []byte, same func(node string) bool) (int, error) {
	ok, err := a.fill()
	if err != nil {
		return 0, err
	}
	if !ok || !same(a.node) {
		return 0, io.EOF
	}
	n := copy(p, a.buf)
	a.buf = a.buf[n:]
	return n, nil
}

// chain returns the node whose chain comes next and a reader of its
// lines, which ends where another node's begin; ok is false at the end.
func (a *auditReader) chain() (node string, r io.Reader, ok bool, err error) {
	if ok, err = a.fill(); !ok || err != nil {
		return "", nil, false, err
	}
	node = a.node
	return node, readerFunc(func(p []byte) (int, error) {
		return a.readChain(p, func(n string) bool { return n == node })
	}), true, nil
}

// readerFunc is an io.Reader of a function.
type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// drain reads what the audit section has left (a restore that stopped
// early), so the manifest after it can be read.
func (a *auditReader) drain() error {
	_, err := io.Copy(io.Discard, a)
	return err
}
