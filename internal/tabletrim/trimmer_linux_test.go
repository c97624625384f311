package tabletrim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

func tableRSS(t *testing.T, dir string) int64 {
	t.Helper()
	n, err := Resident(dir)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func openDB(t *testing.T) (*badger.DB, string) {
	t.Helper()
	dir := ResolvedDir(t.TempDir())
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dir
}

// write commits n records of round r and flushes them into a new table
// file, which Badger writes through its mapping.
func write(t *testing.T, db *badger.DB, r, n int) {
	t.Helper()
	wb := db.NewWriteBatch()
	for i := range n {
		k := fmt.Sprintf("r%02d-%06d", r, i)
		if err := wb.Set([]byte(k), []byte(strings.Repeat(k, 8))); err != nil {
			t.Fatal(err)
		}
	}
	// DropPrefix flushes the memtables when some key has the prefix.
	if err := wb.Set([]byte("drop/"), nil); err != nil {
		t.Fatal(err)
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	before := tableSet(db.Tables())
	if err := db.DropPrefix([]byte("drop/")); err != nil {
		t.Fatal(err)
	}
	for _, x := range db.Tables() {
		if !before[x.ID] {
			return
		}
	}
	t.Fatal("no table written")
}

// readAll reads every record, mapping every table's pages.
func readAll(t *testing.T, db *badger.DB) int {
	t.Helper()
	n := 0
	err := db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if _, err := it.Item().ValueCopy(nil); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A Trimmer trims at a check when tables were added since its last trim
// (a flush or compaction wrote them through their mappings), and
// otherwise only once Every has passed since then.
func TestTrimmerTrimsWhenTablesChange(t *testing.T) {
	db, dir := openDB(t)
	write(t, db, 0, 20000)
	tr := newTrimmer(db, dir, func(err error) { t.Errorf("trim: %v", err) })
	t0 := time.Unix(1_800_000_000, 0)
	if n := tr.tick(t0); n == 0 {
		t.Fatal("the first check trimmed nothing")
	}
	readAll(t, db)
	if tableRSS(t, dir) == 0 {
		t.Fatal("reading every record left no table page resident")
	}
	if n := tr.tick(t0.Add(CheckEvery)); n != 0 {
		t.Errorf("no table changed and Every has not passed: trimmed %d mappings", n)
	}
	if n := tr.tick(t0.Add(Every)); n == 0 || tableRSS(t, dir) != 0 {
		t.Errorf("Every passed: trimmed %d mappings, %d bytes still resident", n, tableRSS(t, dir))
	}

	write(t, db, 1, 20000) // a new table, written through its mapping
	if tableRSS(t, dir) == 0 {
		t.Fatal("a flushed table left no page resident")
	}
	if n := tr.tick(t0.Add(Every + CheckEvery)); n == 0 {
		t.Error("a new table: nothing trimmed at the next check")
	}
	if got := tableRSS(t, dir); got != 0 {
		t.Errorf("after the trim, %d bytes of the tables are resident", got)
	}
	if n := readAll(t, db); n != 40000 {
		t.Errorf("%d records read after the trims, want 40000", n)
	}
}

// Start trims at once, Stop waits for the background trims and is safe
// to repeat, TrimNow does nothing after it; a database in memory gets no
// Trimmer.
func TestStartStop(t *testing.T) {
	db, dir := openDB(t)
	write(t, db, 0, 20000)
	readAll(t, db)
	tr := Start(db, dir, nil)
	if got := tableRSS(t, dir); got != 0 {
		t.Errorf("after Start, %d bytes of the tables are resident", got)
	}
	tr.Stop()
	tr.Stop()
	// After Stop (the store closes its database next), TrimNow from the
	// store's collector or count trims nothing.
	write(t, db, 1, 20000) // a new table, written through its mapping
	if n := tr.TrimNow(); n != 0 || tableRSS(t, dir) == 0 {
		t.Errorf("TrimNow after Stop trimmed %d mappings", n)
	}
	if tr := Start(db, "", nil); tr != nil {
		t.Error("Start returned a Trimmer for a database without a directory")
	}
	var none *Trimmer
	none.Stop()
}

// TestTrimSealedValueLogs: a value log's pages that Badger wrote stay
// mapped; Trim drops those of every sealed value log file and leaves the
// newest one, which Badger still writes (and truncates and maps again
// when it seals it), alone. Every value reads back the same after.
func TestTrimSealedValueLogs(t *testing.T) {
	dir := ResolvedDir(t.TempDir())
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).
		WithValueThreshold(64).WithValueLogFileSize(1 << 20))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	val := func(i int) []byte { return []byte(strings.Repeat(fmt.Sprintf("value %06d ", i), 80)) }
	const n = 4000 // about 4 MiB: three value log files sealed at least
	for i := 0; i < n; i += 100 {
		wb := db.NewWriteBatch()
		for j := i; j < i+100; j++ {
			if err := wb.Set([]byte(fmt.Sprintf("k%06d", j)), val(j)); err != nil {
				t.Fatal(err)
			}
		}
		if err := wb.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	sealed := sealedValueLogs(dir)
	if len(sealed) < 3 {
		t.Fatalf("%d sealed value logs, want at least 3", len(sealed))
	}
	vlogRSS := func() int64 {
		t.Helper()
		b, err := resident(dir, ".vlog")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before := vlogRSS()
	if before < 3<<20 {
		t.Fatalf("value logs resident before the trim: %d bytes, want the 3+ MiB written", before)
	}
	if _, err := Trim(db, dir); err != nil {
		t.Fatal(err)
	}
	after := vlogRSS()
	if after > 1<<20+64<<10 {
		t.Errorf("value logs resident after the trim: %d bytes (before %d), want at most the newest file's", after, before)
	}
	err = db.View(func(txn *badger.Txn) error {
		for i := range n {
			it, err := txn.Get([]byte(fmt.Sprintf("k%06d", i)))
			if err != nil {
				return err
			}
			v, err := it.ValueCopy(nil)
			if err != nil {
				return err
			}
			if string(v) != string(val(i)) {
				return fmt.Errorf("value %d changed", i)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
