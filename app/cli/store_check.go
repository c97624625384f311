package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore/store/badger"
)

// runStoreCheck is `latchkey store check`: what of the data directory's
// store and audit log can be read, and which files are damaged.
func runStoreCheck(args []string, env Env) error {
	var c common
	fs := newFlagSet("store check", "Usage: latchkey store check [--data DIR]\n\nReports what the store and the audit log hold that can be read, and which files are damaged. Run it while Latchkey is stopped; it changes nothing.", env.Stderr)
	c.register(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.data, "store")); err != nil {
		return fmt.Errorf("no store in %s: %w", c.data, err)
	}
	key, err := encryptionKey(c.data, log.Level(zerolog.ErrorLevel))
	if err != nil {
		return err
	}
	bad := false
	for _, part := range []struct{ name, dir, marker string }{
		{"store", filepath.Join(c.data, "store"), filepath.Join(c.data, storeMarkerFile)},
		{"audit log", filepath.Join(c.data, "audit"), ""},
	} {
		r, err := badger.Check(part.dir, key, part.marker)
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(env.Stdout, "%s (%s): none\n", part.name, part.dir)
			continue
		}
		if err != nil {
			return err
		}
		bad = printReport(env.Stdout, part.name, part.dir, r) || bad
	}
	if bad {
		return errors.New("damage found: restore the data directory from a backup while Latchkey is stopped, or start with --accept-empty-store to set the damaged files aside and keep what is readable")
	}
	return nil
}

// printReport writes one part's report and says whether it found damage.
func printReport(w io.Writer, name, dir string, r badger.Report) bool {
	fmt.Fprintf(w, "%s (%s)\n", name, dir)
	for _, d := range r.Damaged {
		fmt.Fprintf(w, "  damaged:  %s\n", strings.TrimPrefix(d, "badger: "))
	}
	if len(r.Damaged) == 0 {
		fmt.Fprintln(w, "  damaged:  none")
	}
	if !r.Readable {
		fmt.Fprintln(w, "  readable: nothing (it cannot be opened)")
	} else if n, ok := r.Counts[badger.OtherKeys]; ok && len(r.Counts) == 1 {
		fmt.Fprintf(w, "  readable: %d entries\n", n)
	} else {
		fmt.Fprintf(w, "  readable: %s\n", countList(r.Counts))
	}
	if r.Marker != nil {
		fmt.Fprintf(w, "  last recorded (%s): %s\n", storeMarkerFile, countList(r.Marker))
	}
	if len(r.Lost) > 0 {
		fmt.Fprintf(w, "  lost:     %s\n", strings.Join(r.Lost, ", "))
	}
	return len(r.Damaged) > 0 || len(r.Lost) > 0 || !r.Readable
}

func countList(counts map[string]int) string {
	if len(counts) == 0 {
		return "no records"
	}
	var parts []string
	for _, k := range badger.Kinds(counts) {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}
