// Package walsync makes what a Badger database committed durable without
// Badger's DB.Sync. DB.Sync msyncs the current memtable's write-ahead log
// while it holds the database's lock, and Badger's write loop needs that
// lock for every batch (ensureRoomForWrite): on a slow disk each sync
// stopped every commit of the database for as long as the disk took (up
// to 243 ms in a trace of the audit log under load). SyncLogs fsyncs the
// same files through their own descriptors and takes no Badger lock;
// Logs does the same for a database synced over and over, without
// listing its directory each time. It imports only the standard library,
// so the store and the audit log both use it.
package walsync

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// LargeValue is the smallest value that may go to Badger's value log
// rather than into a memtable's write-ahead log (Badger's threshold is at
// most 1 MiB; this is kept lower to stay on the safe side). A database
// that wrote such a value needs DB.Sync for its value log as well.
const LargeValue = 64 << 10

// SyncLogs fsyncs the write-ahead log of every memtable of the Badger
// database in dir: the current one, and any that Badger switched out and
// has not yet written to a table file (a commit that went into it before
// the switch is there). Badger writes these logs through a shared memory
// map, whose dirty pages are the file's page cache: fsync writes them
// back as msync does. A log removed meanwhile was first written to a
// synced table file.
func SyncLogs(dir string) error {
	wals, err := filepath.Glob(filepath.Join(dir, "*.mem"))
	if err != nil {
		return err
	}
	for _, name := range wals {
		if err := syncFile(name); err != nil {
			return err
		}
	}
	return nil
}

// syncFile fsyncs the file at name. A file already removed is no error.
func syncFile(name string) error {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	err = datasync(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
