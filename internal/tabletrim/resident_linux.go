package tabletrim

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// Resident returns how many bytes of this process's mappings of the
// table files (*.sst) in dir (as ResolvedDir returns it) are resident,
// from /proc/self/smaps.
func Resident(dir string) (int64, error) { return resident(dir, ".sst") }

// resident is Resident for the files in dir whose names end in ext.
func resident(dir, ext string) (int64, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var total int64
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		// A mapping's header: 7f1c2d000000-7f1c2d200000 rw-s 00000000 fd:01 1312 /data/store/000042.sst
		if len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = len(fields) >= 6 && strings.HasPrefix(fields[5], dir+"/") && strings.HasSuffix(fields[5], ext)
			continue
		}
		if in && len(fields) == 3 && fields[0] == "Rss:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0, err
			}
			total += kb << 10
		}
	}
	return total, sc.Err()
}
