package diskguard

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// DefaultAhead is how far ahead of Badger's last write a memory-mapped
// write-ahead log is kept allocated when Config.Ahead is zero.
const DefaultAhead = 4 << 20

// ahead keeps the memory-mapped write-ahead logs (*.mem) and the newest
// value log (*.vlog, "%06d": the only one Badger writes; the audit log's
// lines go there) of the watched Badger directories allocated some way
// past their last written byte.
// Badger creates them sparse; a write into an unallocated page of a full
// disk is SIGBUS, a write into an allocated one is not. Allocating is the
// moment a full disk shows as an error we can act on.
type ahead struct {
	dirs  []string
	by    int64
	mu    sync.Mutex
	files map[string]int64 // path -> allocated up to (bytes)
}

// keep allocates every *.mem file and the newest *.vlog file of the
// directories up to its last non-zero byte plus a.by. It returns the first allocation error (ENOSPC
// on a full disk).
func (a *ahead) keep() error {
	if a == nil || a.by <= 0 {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := map[string]bool{}
	var first error
	for _, dir := range a.dirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue // not created yet, or gone: the directory check says so
		}
		var logs []string
		vlog := ""
		for _, e := range ents { // in name order: the newest value log last
			switch {
			case e.IsDir():
			case strings.HasSuffix(e.Name(), ".mem"):
				logs = append(logs, e.Name())
			case strings.HasSuffix(e.Name(), ".vlog"):
				vlog = e.Name()
			}
		}
		if vlog != "" {
			logs = append(logs, vlog)
		}
		for _, name := range logs {
			p := filepath.Join(dir, name)
			seen[p] = true
			to, err := allocateAhead(p, a.files[p], a.by)
			if err != nil && first == nil {
				first = err
			}
			a.files[p] = to
		}
	}
	for p := range a.files {
		if !seen[p] {
			delete(a.files, p)
		}
	}
	return first
}

// DataEnd returns the offset just past the last non-zero byte of f
// before limit, reading backwards in 1 MiB blocks: where the data of a
// Badger log ends (past it the file is sparse or zero).
func DataEnd(f *os.File, limit int64) (int64, error) {
	const block = 1 << 20
	buf := make([]byte, block)
	for end := limit; end > 0; {
		start := max(0, end-block)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && int64(n) != end-start {
			return 0, err
		}
		for i := n - 1; i >= 0; i-- {
			if buf[i] != 0 {
				return start + int64(i) + 1, nil
			}
		}
		end = start
	}
	return 0, nil
}
