package diskguard

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestAheadCoversNewestValueLog: the newest value log, which Badger
// writes through a memory map like a memtable's log, is kept allocated
// past its last write; an older (sealed) one is left as it is.
func TestAheadCoversNewestValueLog(t *testing.T) {
	dir := t.TempDir()
	sparse := func(name string, size int64, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt(data, 0); err != nil {
			t.Fatal(err)
		}
		return p
	}
	allocated := func(p string) int64 { // bytes, from the blocks (SEEK_HOLE counts preallocated ones as holes)
		t.Helper()
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err != nil {
			t.Fatal(err)
		}
		return st.Blocks * 512
	}
	data := make([]byte, 64<<10)
	for i := range data {
		data[i] = 1
	}
	old := sparse("000001.vlog", 32<<20, data)
	newest := sparse("000002.vlog", 32<<20, data)
	if h := allocated(newest); h >= 1<<20 {
		t.Fatalf("the file system allocated %d bytes of a sparse file: nothing to test", h)
	}
	a := &ahead{dirs: []string{dir}, by: 4 << 20, files: map[string]int64{}}
	if err := a.keep(); err != nil {
		t.Fatal(err)
	}
	if h := allocated(newest); h < int64(len(data))+4<<20 {
		t.Errorf("newest value log allocated to %d, want at least %d", h, len(data)+4<<20)
	}
	if h := allocated(old); h >= 1<<20 {
		t.Errorf("sealed value log allocated to %d: want it left alone", h)
	}
}
