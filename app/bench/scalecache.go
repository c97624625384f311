package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// scaleCache keeps copies of the scale step's filled data directories
// (Config.ScaleData), so that a run measuring one change to the server
// need not fill 10^6 records again: DIR/<records>/data is the data
// directory as populate left it, before any server ran on it, and
// DIR/<records>/fixture.json the clients and user it was prepared with.
type scaleCache string

// entry is the directory holding the copy for n records.
func (c scaleCache) entry(n int) string { return filepath.Join(string(c), strconv.Itoa(n)) }

// cachedFill is the fill kept for n records.
type cachedFill struct {
	Fixture  Fixture
	Populate PopulateResult
}

// load replaces data with the copy for n records and returns its fill;
// ok is false when there is none.
func (c scaleCache) load(ctx context.Context, n int, data string) (f cachedFill, ok bool, err error) {
	if c == "" {
		return f, false, nil
	}
	b, err := os.ReadFile(filepath.Join(c.entry(n), "fixture.json"))
	if errors.Is(err, os.ErrNotExist) {
		return f, false, nil
	}
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err == nil {
		err = copyTree(ctx, filepath.Join(c.entry(n), "data"), data)
	}
	if err != nil {
		return f, false, fmt.Errorf("bench: scale data for %d records: %w", n, err)
	}
	return f, true, nil
}

// save keeps a copy of data, filled with n records, and its fill.
func (c scaleCache) save(ctx context.Context, n int, data string, f cachedFill) error {
	if c == "" {
		return nil
	}
	dir := c.entry(n)
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := copyTree(ctx, data, filepath.Join(dir, "data")); err != nil {
		return fmt.Errorf("bench: keep scale data for %d records: %w", n, err)
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	// Written last: an entry without it (a copy cut short) is not used.
	return os.WriteFile(filepath.Join(dir, "fixture.json"), b, 0o600)
}

// copyTree replaces to with a copy of from, keeping holes in sparse files
// (Badger's value logs).
func copyTree(ctx context.Context, from, to string) error {
	if err := os.RemoveAll(to); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "cp", "-a", "--sparse=always", from, to).CombinedOutput()
	if err != nil {
		return fmt.Errorf("cp %s %s: %v: %s", from, to, err, out)
	}
	return nil
}
