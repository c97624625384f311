package badger

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"

	"github.com/latchkey/latchkey/authcore/diskguard"
)

// LogDamage is a write-ahead log (NNNNN.mem) whose end Badger could not
// read at open: Badger replays a log up to its last complete transaction
// and silently truncates the rest. Bytes past that point were a
// transaction cut short by a crash mid-write, or damage; either way the
// records in them are gone from the store.
type LogDamage struct {
	File string // path of the log
	Kept int64  // bytes Badger replayed
	Lost int64  // bytes after them that held data
}

// logTails reads every write-ahead log of dir before Badger opens it and
// reports those with data past their last complete transaction: exactly
// what Badger's replay will drop. (Reading after the open would race
// Badger, which flushes a replayed log and truncates it to nothing.)
func logTails(dir string) []LogDamage {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	sort.Strings(paths)
	var out []LogDamage
	for _, p := range paths {
		if d, ok := logTail(p); ok {
			out = append(out, d)
		}
	}
	return out
}

func logTail(path string) (LogDamage, bool) {
	f, err := os.Open(path)
	if err != nil {
		return LogDamage{}, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return LogDamage{}, false
	}
	end, err := diskguard.DataEnd(f, fi.Size())
	if err != nil || end <= logHeaderSize {
		return LogDamage{}, false
	}
	buf := make([]byte, end)
	if _, err := f.ReadAt(buf, 0); err != nil {
		return LogDamage{}, false
	}
	valid := replayEnd(buf)
	if int64(valid) >= end {
		return LogDamage{}, false
	}
	return LogDamage{File: path, Kept: int64(valid), Lost: end - int64(valid)}, true
}

// Badger's log format (badger/v4 value.go, structs.go, memtable.go): a
// 20-byte file header, then entries of a header (meta, user meta, and
// uvarints key length, value length, expiry), key and value (encrypted
// when the store is), and a CRC-32C of all of that. Entries of a
// transaction carry bitTxn; the entry that ends it carries bitFinTxn.
const (
	logHeaderSize = 20
	bitTxn        = 1 << 6
	bitFinTxn     = 1 << 7
)

// replayEnd is the offset after the last complete transaction in buf,
// where Badger's replay stops (memtable.go logFile.iterate).
func replayEnd(buf []byte) int {
	off, valid, inTxn := logHeaderSize, logHeaderSize, false
	for off < len(buf) {
		h := buf[off:]
		if len(h) < 2 {
			break
		}
		meta, n := h[0], 2
		var lens [3]uint64
		ok := true
		for i := range lens {
			v, k := binary.Uvarint(h[n:])
			if k <= 0 {
				ok = false
				break
			}
			lens[i], n = v, n+k
		}
		klen, vlen := lens[0], lens[1]
		if !ok || klen == 0 || klen > 1<<16 || vlen > uint64(len(buf)) {
			break
		}
		body := n + int(klen) + int(vlen)
		if body+4 > len(h) || crc32.Checksum(h[:body], castagnoli) != binary.BigEndian.Uint32(h[body:body+4]) {
			break
		}
		off += body + 4
		switch {
		case meta&bitTxn != 0:
			inTxn = true
		case meta&bitFinTxn != 0:
			inTxn, valid = false, off
		case inTxn:
			return valid
		default:
			valid = off
		}
	}
	return valid
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)
