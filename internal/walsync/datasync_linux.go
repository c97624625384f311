package walsync

import (
	"errors"
	"os"
	"syscall"
)

// datasync flushes f's data and the metadata needed to read it back
// (fdatasync(2)), not its timestamps. A write-ahead log is a file of
// fixed size that Badger creates (and syncs its directory for) before it
// writes to it through a memory map: the mtime each write dirties is the
// only metadata fsync would add, one more write and wait per sync on the
// durable path.
//
// It runs on the process's io_uring when there is one (uring_linux.go),
// so that the wait holds no thread and no P.
func datasync(f *os.File) error {
	if f == nil {
		return os.ErrInvalid // as File.Sync
	}
	if r := sharedRing(); r != nil {
		err := r.datasync(f)
		if !errors.Is(err, errNotSubmitted) {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if !errors.Is(err, syscall.EINTR) {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
}
