package badger

import (
	"path/filepath"
	"time"

	bdg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/table"
)

// trimEvery is how often a running store unmaps the pages of its table
// files it read (trimTables).
const trimEvery = 30 * time.Second

// trimTables drops from the process the pages of Badger's memory-mapped
// table files that it has read, and returns how many mappings it trimmed.
//
// Badger reads its tables through shared, read-only-in-practice file
// mappings, and every page read stays mapped: after a pass over every
// record (the marker's count, the collector's scan, a compaction's new
// tables) the server's RSS holds the whole store on disk, although the
// pages are clean page cache that it will not read again soon.
// MADV_DONTNEED on a shared file mapping only removes the page-table
// entries: the pages stay in the page cache (the kernel reclaims them
// under pressure), the file's contents are untouched, and the next read
// maps them again from the cache (a minor fault), so nothing Badger holds
// (block-cache entries pointing into the mapping included) changes.
//
// Only tables that an open iterator pins are trimmed: Badger never
// unmaps a table an iterator holds, so no address trimmed can meanwhile
// have become some other (anonymous) memory. A table listed both before
// and after the iterator was made was in the tree when the iterator took
// its references (table ids are never reused, and a table moving down a
// level is added to the new level before it leaves the old one).
func (s *Store) trimTables() int {
	if s.dir == "" {
		return 0
	}
	before := tableSet(s.db.Tables())
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	it := txn.NewIterator(bdg.IteratorOptions{}) // references every table until Close
	defer it.Close()
	var pinned []string
	for _, t := range s.db.Tables() {
		if before[t.ID] {
			pinned = append(pinned, table.NewFilename(t.ID, s.dir))
		}
	}
	if len(pinned) == 0 {
		return 0
	}
	n, err := dropMappings(pinned)
	if err != nil {
		s.log.Debug().Err(err).Msg("badger: table pages not trimmed")
	}
	return n
}

// resolvedDir is dir as /proc/self/maps names the files in it: absolute,
// symbolic links resolved (dir itself when that fails).
func resolvedDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	return abs
}

func tableSet(ts []bdg.TableInfo) map[uint64]bool {
	set := make(map[uint64]bool, len(ts))
	for _, t := range ts {
		set[t.ID] = true
	}
	return set
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
