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
//	auditChunk... up to one with End set (audit.Log.Export's JSON lines)
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
}

// backupManifest says what a backup holds: records per kind, and the
// audit log's event count and chain head.
type backupManifest struct {
	Created     time.Time       `json:"created"`
	Store       string          `json:"store"`
	Counts      map[string]int  `json:"counts"`
	AuditEvents int             `json:"audit_events"`
	AuditHead   audit.ChainHead `json:"audit_head"`
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
	if m.AuditEvents, err = alog.Export(ctx, time.Time{}, time.Time{}, aw); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if err := enc.Encode(auditChunk{End: true}); err != nil {
		return m, err
	}
	if m.AuditHead, err = aw.head(); err != nil {
		return m, err
	}
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

// auditWriter sends the audit export in chunks and keeps its last line.
type auditWriter struct {
	enc *gob.Encoder
	lineTail
}

func (a *auditWriter) Write(p []byte) (int, error) {
	if err := a.enc.Encode(auditChunk{Lines: p}); err != nil {
		return 0, err
	}
	return a.lineTail.Write(p)
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

// auditReader reads the audit chunks back as one stream.
type auditReader struct {
	dec  *gob.Decoder
	buf  []byte
	done bool
}

func (a *auditReader) Read(p []byte) (int, error) {
	for len(a.buf) == 0 {
		if a.done {
			return 0, io.EOF
		}
		var c auditChunk
		if err := a.dec.Decode(&c); err != nil {
			return 0, fmt.Errorf("restore: the audit log: %w", err)
		}
		a.buf, a.done = c.Lines, c.End
	}
	n := copy(p, a.buf)
	a.buf = a.buf[n:]
	return n, nil
}

// drain reads what the audit section has left (a restore that stopped
// early), so the manifest after it can be read.
func (a *auditReader) drain() error {
	_, err := io.Copy(io.Discard, a)
	return err
}
