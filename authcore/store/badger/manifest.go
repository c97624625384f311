package badger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	bdg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"google.golang.org/protobuf/proto"
)

// ErrDamaged: the store's files are damaged or incomplete in a way that
// opening would make worse or hide (a MANIFEST that no longer lists the
// table files: Badger deletes unlisted tables at open; a table file that
// fails its checksum). Nothing was changed.
var ErrDamaged = errors.New("badger: store damaged")

// checkManifest refuses, before Badger sees dir, a MANIFEST that is
// missing, unreadable or truncated while table files (*.sst) are present:
// Badger would open it as it is and delete every table it does not list,
// with no word (issue 17).
//
// It also returns the files that would have to go for Badger to open the
// rest: the MANIFEST when it cannot be read, and the tables it does not
// list.
func checkManifest(dir string) (aside []string, err error) {
	tables, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil || len(tables) == 0 {
		return nil, nil // a new store, or one whose data is all in its log
	}
	path := filepath.Join(dir, bdg.ManifestFilename)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return tables, damaged(path, fmt.Sprintf("is missing while %d table files are present", len(tables)))
	}
	if err != nil {
		return nil, fmt.Errorf("badger: %w", err)
	}
	defer f.Close()
	mf, _, err := bdg.ReplayManifestFile(f, 0, bdg.DefaultOptions(dir))
	if err != nil {
		return append(tables, path), damaged(path, "cannot be read ("+err.Error()+")")
	}
	var unlisted []string
	for _, t := range tables {
		if _, ok := mf.Tables[tableID(t)]; !ok {
			aside = append(aside, t)
		}
		if _, ok := mf.Tables[tableID(t)]; !ok {
			unlisted = append(unlisted, filepath.Base(t))
		}
	}
	if len(unlisted) > 0 {
		sort.Strings(unlisted)
		return aside, damaged(path, fmt.Sprintf("does not list %d of the %d table files (%s): it was truncated or replaced, and opening would delete them",
			len(unlisted), len(tables), strings.Join(first(unlisted, 3), ", ")))
	}
	return nil, nil
}

func tableID(path string) uint64 {
	id, _ := strconv.ParseUint(strings.TrimSuffix(filepath.Base(path), ".sst"), 10, 64)
	return id
}

// setAside moves files into a new directory beside dir (dir.damaged-<unix
// time>) and returns its path: an open the operator accepted empty
// deletes nothing it cannot see.
func setAside(dir string, files []string, now time.Time) (string, error) {
	aside := fmt.Sprintf("%s.damaged-%d", dir, now.Unix())
	if err := os.MkdirAll(aside, 0o700); err != nil {
		return "", fmt.Errorf("badger: %w", err)
	}
	for _, f := range files {
		if err := os.Rename(f, filepath.Join(aside, filepath.Base(f))); err != nil {
			return "", fmt.Errorf("badger: set aside %s: %w", f, err)
		}
	}
	return aside, nil
}

// damaged is an ErrDamaged naming the file.
func damaged(path, what string) error {
	return &openErr{msg: fmt.Sprintf("badger: %s %s", path, what), is: ErrDamaged, cause: ErrDamaged, file: path}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "...")
	}
	return s
}

// damagedOpen is a panic or error of Badger's open that points at a
// damaged file: the message names the file when Badger's text does.
func damagedOpen(dir string, cause error) error {
	name := damagedFile(cause.Error())
	what := "cannot be opened"
	if name != "" {
		what = "cannot be opened: " + filepath.Join(dir, name) + " is damaged"
	}
	return &openErr{msg: fmt.Sprintf("badger: the store in %s %s", dir, what), is: ErrDamaged, cause: cause}
}

// damagedFile finds the first Badger file name (NNNNNN.sst, NNNNN.mem,
// NNNNNN.vlog, MANIFEST, KEYREGISTRY) in msg.
func damagedFile(msg string) string {
	for _, f := range strings.FieldsFunc(msg, func(r rune) bool {
		return r == ' ' || r == ':' || r == '"' || r == ',' || r == '(' || r == ')'
	}) {
		base := filepath.Base(f)
		switch {
		case base == bdg.ManifestFilename, base == bdg.KeyRegistryFileName:
			return base
		case strings.HasSuffix(base, ".sst"), strings.HasSuffix(base, ".mem"), strings.HasSuffix(base, ".vlog"):
			return base
		}
	}
	return ""
}

// damagedPath is the file an ErrDamaged names ("" for another error).
func damagedPath(err error) string {
	var oe *openErr
	if errors.As(err, &oe) {
		return oe.file
	}
	return ""
}

// dropTables appends to dir's MANIFEST a change set that deletes the
// tables at paths, in Badger's own record format (length, CRC-32C,
// ManifestChangeSet), so Badger opens the rest without them.
func dropTables(dir string, paths []string) error {
	var cs pb.ManifestChangeSet
	for _, p := range paths {
		if strings.HasSuffix(p, ".sst") {
			cs.Changes = append(cs.Changes, &pb.ManifestChange{Id: tableID(p), Op: pb.ManifestChange_DELETE})
		}
	}
	if len(cs.Changes) == 0 {
		return nil
	}
	buf, err := proto.Marshal(&cs)
	if err != nil {
		return err
	}
	rec := make([]byte, 8, 8+len(buf))
	binary.BigEndian.PutUint32(rec[0:4], uint32(len(buf)))
	binary.BigEndian.PutUint32(rec[4:8], crc32.Checksum(buf, crc32.MakeTable(crc32.Castagnoli)))
	f, err := os.OpenFile(filepath.Join(dir, bdg.ManifestFilename), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(rec, buf...)); err != nil {
		f.Close()
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// prepare checks dir's files before Badger opens it. With accept, it
// sets the damaged files aside (dir.damaged-<time>/) and drops their
// tables from the MANIFEST, so Badger opens what is left; without, it
// refuses with the first damage found.
func prepare(opts Options) error {
	aside, err := checkManifest(opts.Dir)
	if err != nil && !opts.AcceptEmpty {
		return err
	}
	if len(aside) > 0 {
		if err := setAsideLogged(opts, aside, "the damaged MANIFEST or the tables it does not list"); err != nil {
			return err
		}
	}
	errs := damagedFiles(opts.Dir, opts.EncryptionKey)
	if len(errs) == 0 {
		return nil
	}
	if !opts.AcceptEmpty {
		return errs[0]
	}
	var bad []string
	for _, e := range errs {
		switch p := damagedPath(e); {
		case p == "":
			return e
		case filepath.Base(p) == bdg.KeyRegistryFileName:
			// Nothing encrypted can be read without it: start anew.
			all, _ := filepath.Glob(filepath.Join(opts.Dir, "*"))
			return setAsideLogged(opts, all, "every file (the key registry is missing)")
		default:
			if _, err := os.Stat(p); err == nil {
				bad = append(bad, p)
			}
			if err := dropTables(opts.Dir, []string{p}); err != nil {
				return fmt.Errorf("badger: drop %s from the MANIFEST: %w", p, err)
			}
		}
	}
	return setAsideLogged(opts, bad, "the damaged tables")
}

func setAsideLogged(opts Options, files []string, what string) error {
	if len(files) == 0 {
		return nil
	}
	moved, err := setAside(opts.Dir, files, time.Now())
	if err != nil {
		return err
	}
	opts.Logger.Warn().Str("moved_to", moved).Int("files", len(files)).
		Msgf("badger: %s set aside, as asked (accept empty store)", what)
	return nil
}
