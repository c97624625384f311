package badger

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"sort"
	"strings"
	"time"

	bdg "github.com/dgraph-io/badger/v4"
)

// ErrStoreLost: the marker says this store held records of kinds that
// never empty once a server has run (clients: the console's own; signing
// keys: the active one) and it now holds none of them. Nothing was
// changed.
var ErrStoreLost = errors.New("badger: store lost its data")

// OtherKeys counts, in Counts, keys outside this package's layout.
const OtherKeys = "other"

// markerEvery is how often a running store refreshes its marker.
const markerEvery = 10 * time.Minute

// lasting are the kinds that are never empty once a server has run:
// users, scopes and settings may all be deleted by an administrator.
var lasting = []string{kindClient, kindKey}

// marker is the store's own note of what it holds (store.json), kept
// outside Badger's files so that losing those cannot also lose it.
type marker struct {
	Installation string         `json:"installation_id"`
	Schema       string         `json:"schema"`
	Counts       map[string]int `json:"counts"`
	Updated      time.Time      `json:"updated"`
}

// readMarker reads path; a missing marker is (nil, nil).
func readMarker(path string) (*marker, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("badger: %w", err)
	}
	var m marker
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("badger: %s is not a store marker: %w", path, err)
	}
	return &m, nil
}

// write replaces path with m, atomically.
func (m *marker) write(path string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// lost names the lasting kinds m counted that counts no longer has.
func (m *marker) lost(counts map[string]int) []string {
	var gone []string
	for _, k := range lasting {
		if m.Counts[k] > 0 && counts[k] == 0 {
			gone = append(gone, fmt.Sprintf("%d %s records", m.Counts[k], k))
		}
	}
	return gone
}

// Counts returns how many live records of each kind the store holds. It
// reads keys only; it runs at open, at close and every markerEvery, never
// per request.
func (s *Store) Counts() (map[string]int, error) {
	counts := map[string]int{}
	err := s.db.View(func(txn *bdg.Txn) error {
		it := txn.NewIterator(bdg.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			// OtherKeys: another database's keys (store check of the audit log)
			counts[KindOf(it.Item().Key())]++
		}
		return nil
	})
	return counts, storeErr(err)
}

// countKinds counts the live records of the given kinds only, each by a
// scan of its own prefix.
func (s *Store) countKinds(kinds []string) (map[string]int, error) {
	counts := map[string]int{}
	err := s.db.View(func(txn *bdg.Txn) error {
		for _, k := range kinds {
			it := txn.NewIterator(bdg.IteratorOptions{Prefix: prefix(k)})
			for it.Rewind(); it.Valid(); it.Next() {
				counts[k]++
			}
			it.Close()
		}
		return nil
	})
	return counts, storeErr(err)
}

// checkMarker compares the marker at path with what the store holds, and
// refuses a store that lost its lasting records unless accept is set.
//
// Only the lasting kinds are counted, by their own prefixes: a count of
// every record would read every table of a large store at each start.
// The marker is saved with those counts and keeps the other kinds' from
// its last full count (every markerEvery, and at Close). Without a marker,
// or when a loss was accepted, every kind is counted now.
func (s *Store) checkMarker(path string, accept bool) error {
	m, err := readMarker(path)
	if err != nil {
		return err
	}
	if m != nil {
		counts, err := s.countKinds(lasting)
		if err != nil {
			return err
		}
		gone := m.lost(counts)
		if len(gone) == 0 {
			merged := maps.Clone(m.Counts)
			if merged == nil {
				merged = map[string]int{}
			}
			maps.Copy(merged, counts)
			s.marker, s.markerPath = m, path
			return s.saveMarker(merged)
		}
		if !accept {
			return &openErr{
				msg: fmt.Sprintf("badger: the store held %s on %s (%s) and now holds none: its files were deleted or damaged",
					strings.Join(gone, ", "), m.Updated.UTC().Format(time.RFC3339), path),
				is: ErrStoreLost, cause: ErrStoreLost,
			}
		}
		s.log.Warn().Strs("lost", gone).Str("marker", path).Msg("badger: opening a store that lost its data, as asked (accept empty store)")
	} else {
		m = &marker{Installation: newInstallationID()}
	}
	counts, err := s.Counts()
	if err != nil {
		return err
	}
	s.marker, s.markerPath = m, path
	return s.saveMarker(counts)
}

// saveMarker records counts in the marker.
func (s *Store) saveMarker(counts map[string]int) error {
	s.marker.Schema, s.marker.Counts, s.marker.Updated = version, counts, s.now().UTC()
	if err := s.marker.write(s.markerPath); err != nil {
		return fmt.Errorf("badger: write %s: %w", s.markerPath, err)
	}
	return nil
}

// updateMarker counts and saves once, logging a failure.
func (s *Store) updateMarker() {
	if s.Writable() != nil {
		return // a full or missing disk: the last marker stands
	}
	counts, err := s.Counts()
	s.trim.TrimNow() // the count read every table (trim.go)
	if err == nil {
		err = s.saveMarker(counts)
	}
	if err != nil {
		s.log.Error().Err(err).Msg("badger: store marker not updated")
	}
}

// Installation returns the id of this installation, kept in the marker
// ("" without one).
func (s *Store) Installation() string {
	if s.marker == nil {
		return ""
	}
	return s.marker.Installation
}

func newInstallationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sortedKinds lists counts' kinds in order (store check output).
func sortedKinds(counts map[string]int) []string {
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

// every calls fn every d until stop closes, then closes done.
func every(d time.Duration, fn func(), stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fn()
		}
	}
}
