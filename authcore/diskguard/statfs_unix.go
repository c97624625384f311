//go:build linux || darwin

package diskguard

import (
	"os"
	"syscall"
)

// statfs reads the space available to an unprivileged writer (f_bavail),
// which is what Badger, running as an ordinary user, may use.
func statfs(dir string) (Usage, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return Usage{}, &os.PathError{Op: "statfs", Path: dir, Err: err}
	}
	return Usage{Avail: uint64(st.Bavail) * uint64(st.Bsize), ReadOnly: uint64(st.Flags)&readOnlyFlag != 0}, nil
}

// fileID identifies a directory: a directory removed and made again, or
// a mount that went away, is another one.
type fileID struct{ dev, ino uint64 }

func identify(dir string) (fileID, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return fileID{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, nil
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}, nil
}
