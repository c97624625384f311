package walsync

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Logs syncs the write-ahead logs of one Badger database, as SyncLogs
// does, without listing the directory on every sync: SyncLogs globbed
// it and opened and closed every log each time (5% of a durable
// server's CPU in a profile of refresh rotations).
//
// It relies on how Badger names the logs: a memtable's log is
// "%05d.mem" with the next number after the newest (DB.newMemTable
// takes DB.nextMemFid and moves it on only when the file was created,
// and Open sets it past every log it found), and Badger writes only to
// the newest log: the write loop switches to a new memtable, creating
// its file, before it writes anything into it, and nothing is written to
// an older memtable after that. So Logs keeps the newest log open and,
// on each Sync, first looks for its successor by name (one failed open
// and one stat in the usual case; the directory is listed again only
// when the newest log known is gone, flushed with its successors). A log it finds that way is synced, and so is the
// one it replaces, once more and for the last time: that sync comes
// after the switch and so covers every commit the old log holds. The
// first Sync lists the directory once.
//
// Sync is safe for concurrent use but meant for one goroutine (a group
// commit's); Close releases the files.
type Logs struct {
	dir   string
	ext   string // ".mem" or ".vlog"
	width int    // digits of the file number in a name

	mu      sync.Mutex
	cur     *os.File   // the newest log, nil before the first Sync
	fid     int        // its number
	retired []*os.File // replaced logs that still need their last sync
	synced  func(name string)
}

// NewLogs returns the Logs of the Badger database in dir.
func NewLogs(dir string) *Logs { return &Logs{dir: dir, ext: logExt, width: 5} }

// NewValueLogs returns a Logs of the value log files of the Badger
// database in dir ("%06d.vlog"), for a database whose values go there
// and that does not sync its own writes. Badger writes only to the
// newest value log and, at a switch, creates the next file (the next
// number) before it writes anything into it; a switch does not sync the
// old file unless SyncWrites is set, so the old file's last sync is
// Sync's, as with a memtable's log. Badger keeps a value log after its
// memtable logs are gone; a database always has one.
func NewValueLogs(dir string) *Logs { return &Logs{dir: dir, ext: vlogExt, width: 6} }

// Sync returns once every commit in the database's logs before the
// call is on disk.
func (l *Logs) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur == nil {
		if err := l.list(); err != nil {
			return err
		}
		if l.cur == nil {
			return nil // no log yet: nothing committed
		}
	}
	for {
		f, err := os.Open(l.name(l.fid + 1))
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return err
		}
		l.retired = append(l.retired, l.cur)
		l.cur, l.fid = f, l.fid+1
	}
	if _, err := os.Stat(l.name(l.fid)); errors.Is(err, fs.ErrNotExist) {
		// The newest log known is gone: it was flushed, so Badger wrote
		// newer ones since, and the next of them was flushed and removed
		// too before this Sync could follow it by name. List again.
		l.retired = append(l.retired, l.cur)
		l.cur = nil
		if err := l.list(); err != nil {
			return err
		}
		if l.cur == nil {
			// Badger always has a log: its directory lost them all.
			return fmt.Errorf("walsync: no write-ahead log left in %s", l.dir)
		}
	}
	for len(l.retired) > 0 {
		// A retired log may have been flushed to a table and removed
		// meanwhile: syncing its open file is harmless.
		if err := l.sync(l.retired[0]); err != nil {
			return err // kept for the next Sync
		}
		_ = l.retired[0].Close()
		l.retired = l.retired[1:]
	}
	return l.sync(l.cur)
}

// list opens every log in the directory; the newest becomes cur, the
// others are retired (synced once by this Sync).
func (l *Logs) list() error {
	names, err := filepath.Glob(filepath.Join(l.dir, "*"+l.ext))
	if err != nil {
		return err
	}
	best := -1
	var files []*os.File
	var fids []int
	for _, n := range names {
		fid, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(n), l.ext))
		if err != nil {
			continue // not one of Badger's logs
		}
		f, err := os.Open(n)
		if errors.Is(err, fs.ErrNotExist) {
			continue // flushed and removed meanwhile
		}
		if err != nil {
			for _, f := range files {
				_ = f.Close()
			}
			return err
		}
		files, fids = append(files, f), append(fids, fid)
		if best < 0 || fid > fids[best] {
			best = len(files) - 1
		}
	}
	for i, f := range files {
		if i == best {
			l.cur, l.fid = f, fids[i]
		} else {
			l.retired = append(l.retired, f)
		}
	}
	return nil
}

// logExt ends the name of every memtable log (Badger's memFileExt),
// vlogExt every value log's.
const (
	logExt  = ".mem"
	vlogExt = ".vlog"
)

// name is the path of the log numbered fid (Badger's DB.mtFilePath and
// valueLog.fpath).
func (l *Logs) name(fid int) string {
	return filepath.Join(l.dir, fmt.Sprintf("%0*d%s", l.width, fid, l.ext))
}

func (l *Logs) sync(f *os.File) error {
	if err := datasync(f); err != nil {
		return err
	}
	if l.synced != nil {
		l.synced(f.Name())
	}
	return nil
}

// OnSync has Sync call f with the path of every file it synced, right
// after (tests that check what was synced, and in which order).
func (l *Logs) OnSync(f func(name string)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.synced = f
}

// Close closes the files Logs holds open; a later Sync lists the
// directory again.
func (l *Logs) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var err error
	for _, f := range append(l.retired, l.cur) {
		if f != nil {
			err = errors.Join(err, f.Close())
		}
	}
	l.cur, l.retired = nil, nil
	return err
}

// Newest returns the path of the newest log Logs knows of ("" before
// the first Sync), for tests that check it follows Badger.
func (l *Logs) Newest() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur == nil {
		return ""
	}
	return l.cur.Name()
}
