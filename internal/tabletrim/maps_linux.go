package tabletrim

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// dropMappings applies MADV_DONTNEED to every shared mapping of the
// files at paths (absolute, symbolic links resolved) in this process, as
// /proc/self/maps lists them, and returns how many it trimmed. A mapping
// is matched by its path, or by device and inode (a path the kernel
// prints otherwise). The caller guarantees that those mappings stay
// mapped meanwhile (Trim).
func dropMappings(paths []string) (int, error) {
	type file struct{ dev, ino uint64 }
	want := make(map[file]bool, len(paths))
	named := make(map[string]bool, len(paths))
	for _, p := range paths {
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err != nil {
			continue // gone since it was listed: not mapped any more either
		}
		want[file{uint64(st.Dev), st.Ino}] = true
		named[p] = true
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 7f1c2d000000-7f1c2d200000 rw-s 00000000 fd:01 1312 /data/store/000042.sst
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || !strings.HasSuffix(fields[1], "s") {
			continue // not a file mapping, or a private one
		}
		dev, ok := parseDev(fields[3])
		ino, err := strconv.ParseUint(fields[4], 10, 64)
		if !named[fields[5]] && (!ok || err != nil || !want[file{dev, ino}]) {
			continue
		}
		lo, hi, ok := parseRange(fields[0])
		if !ok {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, syscall.MADV_DONTNEED); errno != 0 {
			return n, fmt.Errorf("madvise %s: %w", fields[len(fields)-1], errno)
		}
		n++
	}
	return n, sc.Err()
}

// parseRange reads "start-end" (hex) of a /proc/self/maps line.
func parseRange(s string) (lo, hi uintptr, ok bool) {
	a, b, found := strings.Cut(s, "-")
	x, err1 := strconv.ParseUint(a, 16, 64)
	y, err2 := strconv.ParseUint(b, 16, 64)
	if !found || err1 != nil || err2 != nil || y <= x {
		return 0, 0, false
	}
	return uintptr(x), uintptr(y), true
}

// parseDev reads "major:minor" (hex) of a /proc/self/maps line as the
// st_dev that stat returns for a file on that device.
func parseDev(s string) (uint64, bool) {
	a, b, found := strings.Cut(s, ":")
	major, err1 := strconv.ParseUint(a, 16, 32)
	minor, err2 := strconv.ParseUint(b, 16, 32)
	if !found || err1 != nil || err2 != nil {
		return 0, false
	}
	// The encoding of Linux's new_encode_dev (glibc's makedev).
	return (minor & 0xff) | (major&0xfff)<<8 | (minor&^0xff)<<12 | (major&^0xfff)<<32, true
}
