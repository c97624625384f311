package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/authcore/diskguard"
)

// registerStorage adds the flags about the data directory's disk and
// its store's integrity.
func (f *serveFlags) registerStorage(fs *flag.FlagSet) {
	f.diskReserve = diskguard.DefaultReserve
	fs.Var(&f.diskReserve, "disk-reserve", "free space kept on the data directory's disk: below it, writes are refused with 503 until space is freed (e.g. 256MB, 1GB)")
	fs.BoolVar(&f.acceptEmpty, "accept-empty-store", false, "open a store that once held data but now reads as empty (a lost or damaged MANIFEST); only after restoring a backup failed")
}

// byteSize is a flag of bytes written as 512MB, 1GB, 64KB or a plain
// number of bytes.
type byteSize uint64

func (b *byteSize) String() string {
	if *b%(1<<20) == 0 {
		return fmt.Sprintf("%dMB", uint64(*b)>>20)
	}
	return strconv.FormatUint(uint64(*b), 10)
}

func (b *byteSize) Set(v string) error {
	s := strings.ToUpper(strings.TrimSpace(v))
	mult := uint64(1)
	for _, u := range []struct {
		suffix string
		mult   uint64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 || n > (1<<50)/mult {
		return fmt.Errorf("want a size such as 256MB or 1GB, got %q", v)
	}
	*b = byteSize(n * mult)
	return nil
}
