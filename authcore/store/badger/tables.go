package badger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	bdg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/fb"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/badger/v4/y"
	"github.com/dgraph-io/ristretto/v2"
	"github.com/dgraph-io/ristretto/v2/z"
	"google.golang.org/protobuf/proto"
)

// CheckFiles looks at a Badger directory's files before Badger does:
// every table's footer and index checksum, and the key registry's presence
// where there is data. Badger opens tables in goroutines of its own and
// panics on a garbled footer (an index out of range), where no recover of
// ours can reach; this check turns that into an ErrDamaged naming the
// file. Then every table listed in the MANIFEST is opened, here, with all
// its block checksums verified and a recover around it (Badger's own
// verification at open dereferences nil on a bad block). key is the
// encryption key (nil for none). dir may hold any Badger database (the
// audit log too).
func CheckFiles(dir string, key []byte) error {
	if errs := damagedFiles(dir, key); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// damagedFiles is CheckFiles reporting every damaged file, not the first.
func damagedFiles(dir string, key []byte) []error {
	tables, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil {
		return []error{err}
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	if len(tables)+len(logs) > 0 {
		if _, err := os.Stat(filepath.Join(dir, bdg.KeyRegistryFileName)); errors.Is(err, os.ErrNotExist) {
			return []error{damaged(filepath.Join(dir, bdg.KeyRegistryFileName), "is missing: without it the tables cannot be read")}
		}
	}
	var errs []error
	bad := map[string]bool{}
	for _, t := range tables {
		if err := checkTable(t); err != nil {
			errs = append(errs, damaged(t, "is damaged ("+err.Error()+")"))
			bad[t] = true
		}
	}
	return append(errs, verifyTables(dir, key, bad)...)
}

// checkTable reads a table's footer the way Badger's table.initIndex
// does, with every length bounded by the file's size, and verifies the
// index checksum.
func checkTable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	pos := fi.Size()
	read := func(n int64) ([]byte, error) {
		if n < 0 || n > pos {
			return nil, errors.New("footer points outside the file")
		}
		pos -= n
		b := make([]byte, n)
		if _, err := f.ReadAt(b, pos); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return b, nil
	}
	u32 := func() (int64, error) {
		b, err := read(4)
		if err != nil {
			return 0, err
		}
		return int64(binary.BigEndian.Uint32(b)), nil
	}
	chkLen, err := u32()
	if err != nil {
		return err
	}
	raw, err := read(chkLen)
	if err != nil {
		return err
	}
	var chk pb.Checksum
	if err := proto.Unmarshal(raw, &chk); err != nil {
		return fmt.Errorf("checksum unreadable: %w", err)
	}
	indexLen, err := u32()
	if err != nil {
		return err
	}
	index, err := read(indexLen)
	if err != nil {
		return err
	}
	if err := y.VerifyChecksum(index, &chk); err != nil {
		return errors.New("index checksum mismatch")
	}
	return nil
}

// verifyTables opens every table the MANIFEST lists and verifies its
// blocks. A key registry the key cannot open is left to Badger's open,
// which says so (ErrWrongEncryptionKey).
func verifyTables(dir string, key []byte, skip map[string]bool) []error {
	f, err := os.Open(filepath.Join(dir, bdg.ManifestFilename))
	if err != nil {
		return nil // checkManifest's business
	}
	mf, _, err := bdg.ReplayManifestFile(f, 0, bdg.DefaultOptions(dir))
	f.Close()
	if err != nil || len(mf.Tables) == 0 {
		return nil
	}
	kr, err := bdg.OpenKeyRegistry(bdg.KeyRegistryOptions{Dir: dir, ReadOnly: true, EncryptionKey: key})
	if err != nil {
		return nil
	}
	defer kr.Close()
	var icache *ristretto.Cache[uint64, *fb.TableIndex]
	if len(key) > 0 {
		icache, err = ristretto.NewCache(&ristretto.Config[uint64, *fb.TableIndex]{NumCounters: 1000, MaxCost: 16 << 20, BufferItems: 64})
		if err != nil {
			return []error{err}
		}
		defer icache.Close()
	}
	ids := make([]uint64, 0, len(mf.Tables))
	for id := range mf.Tables {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var errs []error
	for _, id := range ids {
		path := table.NewFilename(id, dir)
		if skip[path] {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			errs = append(errs, damaged(path, "is listed in the MANIFEST but missing"))
			continue
		}
		if err := verifyTable(path, mf.Tables[id], kr, icache); err != nil {
			errs = append(errs, damaged(path, "is damaged ("+err.Error()+")"))
		}
	}
	return errs
}

// verifyTable opens one table with OnTableRead verification and closes it
// again (never DecrRef, which deletes the file), recovering a panic.
func verifyTable(path string, tm bdg.TableManifest, kr *bdg.KeyRegistry, icache *ristretto.Cache[uint64, *fb.TableIndex]) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("a block is unreadable or fails its checksum")
		}
	}()
	dk, err := kr.DataKey(tm.KeyID)
	if err != nil {
		return fmt.Errorf("its data key %d is not in KEYREGISTRY", tm.KeyID)
	}
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil && !errors.Is(err, z.NewFile) {
		return err
	}
	t, err := table.OpenTable(mf, table.Options{ChkMode: options.OnTableRead, DataKey: dk, IndexCache: icache,
		Compression: tm.Compression, BlockSize: 4 << 10})
	if err != nil {
		return errors.New("checksum mismatch")
	}
	return t.MmapFile.Close(-1)
}
