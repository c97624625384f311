// Package tabletrim drops from the process the pages of a Badger
// database's memory-mapped table files that it read or wrote, for the
// store and the audit log alike.
//
// Badger reads its tables through shared, read-only-in-practice file
// mappings, and writes every new table (a memtable flush, a compaction)
// through one: every page touched stays mapped, so after a pass over
// every record (a full count, the collector's scan) or a compaction the
// server's RSS holds the whole database on disk, although the pages are
// page cache that it will not read again soon. MADV_DONTNEED on a shared
// file mapping only removes the page-table entries: the pages stay in
// the page cache (the kernel writes back the dirty ones and reclaims
// them under pressure), the file's contents are untouched, and the next
// read maps them again from the cache (a minor fault), so nothing Badger
// holds (block-cache entries pointing into the mapping included)
// changes. On systems other than Linux it does nothing.
package tabletrim

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/table"
)

// Trim drops the pages of db's table files and sealed value log files, in dir (as ResolvedDir
// returns it), from the process and returns how many mappings it
// trimmed.
//
// Only tables that an open iterator pins are trimmed: Badger never
// unmaps a table an iterator holds, so no address trimmed can meanwhile
// have become some other (anonymous) memory. A table listed both before
// and after the iterator was made was in the tree when the iterator took
// its references (table ids are never reused, and a table moving down a
// level is added to the new level before it leaves the old one). The
// same iterator holds off the deletion of every value log file (Badger
// defers it until no iterator is open); a value log is trimmed only once
// sealed, when a newer one exists: Badger truncates and maps again only
// the newest, and seals it before it creates the next.
func Trim(db *badger.DB, dir string) (int, error) {
	if dir == "" {
		return 0, nil
	}
	before := tableSet(db.Tables())
	txn := db.NewTransaction(false)
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{}) // references every table until Close
	defer it.Close()
	var pinned []string
	for _, t := range db.Tables() {
		if before[t.ID] {
			pinned = append(pinned, table.NewFilename(t.ID, dir))
		}
	}
	pinned = append(pinned, sealedValueLogs(dir)...)
	if len(pinned) == 0 {
		return 0, nil
	}
	return dropMappings(pinned)
}

// ResolvedDir is dir as /proc/self/maps names the files in it: absolute,
// symbolic links resolved (dir itself when that fails).
func ResolvedDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	return abs
}

func tableSet(ts []badger.TableInfo) map[uint64]bool {
	set := make(map[uint64]bool, len(ts))
	for _, t := range ts {
		set[t.ID] = true
	}
	return set
}

// sealedValueLogs lists the value log files in dir ("%06d.vlog") other
// than the newest, as the directory holds them now.
func sealedValueLogs(dir string) []string {
	names, err := filepath.Glob(filepath.Join(dir, "*.vlog"))
	if err != nil {
		return nil
	}
	var sealed []string
	newest, at := -1, ""
	for _, n := range names {
		fid, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(n), ".vlog"))
		switch {
		case err != nil: // not one of Badger's
		case fid > newest:
			if at != "" {
				sealed = append(sealed, at)
			}
			newest, at = fid, n
		default:
			sealed = append(sealed, n)
		}
	}
	return sealed
}
