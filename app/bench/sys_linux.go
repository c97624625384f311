package bench

import (
	"io/fs"
	"syscall"
)

// blocks is the allocated size of a file (st_blocks * 512).
func blocks(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return info.Size()
}
