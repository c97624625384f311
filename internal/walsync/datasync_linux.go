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

// Method says how durable writes wait for the disk here: "io_uring", or
// "fdatasync(2)" and why io_uring is not used (a kernel without it, or
// one that refuses it: kernel.io_uring_disabled, a seccomp filter). The
// server logs it at start, so an operator knows which one the figures
// they see come from.
func Method() string {
	if sharedRing() != nil {
		return "io_uring"
	}
	return "fdatasync(2): io_uring unavailable: " + sharedErr.Error()
}
