package cli

import (
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/internal/sealed"
)

// restoreSink takes what a backup holds; each returns what it wrote, to
// be compared with the manifest. A nil badger or snapshot refuses a
// backup of that store.
type restoreSink struct {
	badger   func(next func() (badger.Entry, error)) (map[string]int, error)
	snapshot func(authcore.Snapshot) (map[string]int, error)
	audit    func(ar *auditReader) (auditTally, error)
}

// errBackupStore: the backup holds another kind of store than the one
// given to restore into.
var errBackupStore = errors.New("restore: wrong store kind")

// readBackup opens the sealed backup r, hands its parts to sink and
// checks what sink wrote against the manifest at the end: counts per
// kind, audit events and chain head.
func readBackup(r io.Reader, key []byte, sink restoreSink) (backupManifest, error) {
	var m backupManifest
	sr, err := sealed.NewReader(r, key, backupPurpose)
	if err != nil {
		return m, err
	}
	dec := gob.NewDecoder(sr)
	var h backupHeader
	if err := dec.Decode(&h); err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	if h.Format != backupFormat {
		return m, fmt.Errorf("restore: backup format %d; this Latchkey reads format %d", h.Format, backupFormat)
	}
	var counts map[string]int
	switch {
	case h.Store == "badger" && sink.badger != nil:
		counts, err = sink.badger(batchReader(dec))
	case h.Store == "postgres" && sink.snapshot != nil:
		var snap authcore.Snapshot
		if err = dec.Decode(&snap); err == nil {
			counts, err = sink.snapshot(snap)
		}
	case h.Store == "badger":
		return m, fmt.Errorf("%w: the backup holds a single-node (Badger) store: restore it without --store", errBackupStore)
	default:
		return m, fmt.Errorf("%w: the backup holds a PostgreSQL store: restore it with --store postgres://... (an empty database)", errBackupStore)
	}
	if err != nil {
		return m, err
	}
	ar := &auditReader{dec: dec}
	tally, err := sink.audit(ar)
	if err != nil {
		return m, err
	}
	if err := ar.drain(); err != nil {
		return m, err
	}
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("restore: the manifest: %w", err)
	}
	if _, err := sr.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		return m, fmt.Errorf("restore: data after the manifest (%v)", err)
	}
	var bad []string
	for _, k := range slices.Sorted(maps.Keys(m.Counts)) {
		if counts[k] != m.Counts[k] {
			bad = append(bad, fmt.Sprintf("%s: %d, the manifest says %d", k, counts[k], m.Counts[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		if _, ok := m.Counts[k]; !ok && counts[k] > 0 {
			bad = append(bad, fmt.Sprintf("%s: %d, not in the manifest", k, counts[k]))
		}
	}
	if d := tally.mismatch(m); d != "" {
		bad = append(bad, d)
	}
	if len(bad) > 0 {
		return m, fmt.Errorf("restore: the backup does not match its manifest: %s", strings.Join(bad, "; "))
	}
	return m, nil
}

// batchReader returns the entries of the Badger batches one by one, then
// io.EOF after the batch marked End.
func batchReader(dec *gob.Decoder) func() (badger.Entry, error) {
	var b badgerBatch
	i := 0
	return func() (badger.Entry, error) {
		for i >= len(b.Entries) {
			if b.End {
				return badger.Entry{}, io.EOF
			}
			b, i = badgerBatch{}, 0
			if err := dec.Decode(&b); err != nil {
				return badger.Entry{}, fmt.Errorf("restore: the store: %w", err)
			}
		}
		i++
		return b.Entries[i-1], nil
	}
}

// checkSink reads a backup through without writing anything: it checks
// every chunk and the manifest (backup does this on the file it wrote).
var checkSink = restoreSink{
	badger: func(next func() (badger.Entry, error)) (map[string]int, error) {
		counts := map[string]int{}
		for {
			e, err := next()
			if errors.Is(err, io.EOF) {
				return counts, nil
			}
			if err != nil {
				return nil, err
			}
			counts[badger.KindOf(e.Key)]++
		}
	},
	snapshot: func(s authcore.Snapshot) (map[string]int, error) { return countMap(s), nil },
	audit:    checkAuditChains,
}
