package diskguard

import (
	"errors"
	"os"
	"syscall"
)

const seekHole = 4 // SEEK_HOLE

// allocateAhead makes sure path is allocated up to its last written
// (non-zero) byte plus by, and returns how far it is allocated now. from
// is how far an earlier call allocated (0 the first time).
func allocateAhead(path string, from, by int64) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return from, nil // removed by Badger meanwhile
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return from, nil
	}
	size := fi.Size()
	if from == 0 {
		// Badger's pages are allocated as it writes; the first hole
		// is where its writes end.
		h, err := f.Seek(0, seekHole)
		if err != nil {
			return 0, nil // no SEEK_HOLE here: nothing to go by
		}
		from = h
	}
	if from > by/2 && zeroPage(f, from-by/2) {
		// Badger writes in order and has not reached the middle of
		// what is allocated ahead: one page read, nothing to do.
		return from, nil
	}
	end, err := DataEnd(f, from)
	if err != nil {
		return from, nil
	}
	want := min(size, end+by)
	if want <= from {
		return from, nil
	}
	if err := syscall.Fallocate(int(f.Fd()), 0, from, want-from); err != nil {
		if errors.Is(err, syscall.EOPNOTSUPP) {
			return size, nil // nothing we can do on this file system
		}
		return from, &os.PathError{Op: "fallocate", Path: path, Err: err}
	}
	return want, nil
}

// zeroPage reports whether the 4 KiB at off read as zeros.
func zeroPage(f *os.File, off int64) bool {
	var page [4096]byte
	n, _ := f.ReadAt(page[:], off)
	for _, b := range page[:n] {
		if b != 0 {
			return false
		}
	}
	return true
}
