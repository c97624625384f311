package badger

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/latchkey/latchkey/authcore/diskguard"
)

// Report is what Check found in a store directory.
type Report struct {
	// Damaged names each damaged or missing file and what is wrong.
	Damaged []string
	// Readable is true when the store (without its damaged files, when
	// there are some) could be opened and read.
	Readable bool
	// Counts are the records per kind that can be read.
	Counts map[string]int
	// Lost names the lasting kinds the marker recorded and Counts lacks.
	Lost []string
	// Marker is the marker's record, when there is one.
	Marker map[string]int
}

// Check reports on the store in dir without changing it: the damaged
// files (MANIFEST, KEYREGISTRY, tables) and the records per kind that
// can be read. It reads a copy, with the damaged files left out, so the
// counts are what --accept-empty-store would start with. markerPath may be
// empty.
func Check(dir string, key []byte, markerPath string) (r Report, err error) {
	if _, err := os.Stat(dir); err != nil {
		return r, fmt.Errorf("badger: %w", err)
	}
	if _, err := checkManifest(dir); err != nil {
		r.Damaged = append(r.Damaged, err.Error())
	}
	for _, err := range damagedFiles(dir, key) {
		r.Damaged = append(r.Damaged, err.Error())
	}
	if markerPath != "" {
		m, err := readMarker(markerPath)
		if err != nil {
			return r, err
		}
		if m != nil {
			r.Marker = m.Counts
			defer func() { r.Lost = m.lost(r.Counts) }()
		}
	}
	var tmp string
	tmp, err = os.MkdirTemp("", "latchkey-store-check-")
	if err != nil {
		return r, fmt.Errorf("badger: %w", err)
	}
	defer os.RemoveAll(tmp)
	cp := filepath.Join(tmp, "store")
	if err := copySparse(dir, cp); err != nil {
		return r, fmt.Errorf("badger: copy the store to check it: %w", err)
	}
	os.Remove(filepath.Join(cp, "LOCK"))
	// The copy opens as --accept-empty-store would open the store.
	s, err := Open(Options{Dir: cp, EncryptionKey: key, AcceptEmpty: true})
	if err != nil {
		r.Damaged = append(r.Damaged, strings.ReplaceAll(err.Error(), cp, dir))
		return r, nil
	}
	defer s.Close()
	r.Counts, err = s.Counts()
	r.Readable = err == nil
	return r, nil
}

// Kinds lists the kinds of counts in order.
func Kinds(counts map[string]int) []string { return sortedKinds(counts) }

// copySparse copies the files of a Badger directory (it has no
// subdirectories), writing each only up to its last non-zero byte and
// extending the copy to the original size with a hole: the value logs are
// large sparse files.
func copySparse(from, to string) error {
	if err := os.MkdirAll(to, 0o700); err != nil {
		return err
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		if err := copyFileSparse(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFileSparse(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	end, err := diskguard.DataEnd(in, fi.Size())
	if err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, io.NewSectionReader(in, 0, end)); err != nil {
		out.Close()
		return err
	}
	return errors.Join(out.Truncate(fi.Size()), out.Close())
}
