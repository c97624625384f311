package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Tracer records a Go execution trace of the server (runtime/trace,
// through `latchkey serve --pprof`) during the first timed run of each
// figure, for `go tool trace`: where a slow request waited (GC assists
// and pauses, the audit writer, the store, a lock). It is what -trace DIR
// turns on.
type Tracer struct {
	Dir      string
	URL      func() string // the measured server's base URL ("" when it has no --pprof)
	Seconds  int
	Progress io.Writer
}

// Profile starts the trace and returns the function that waits for it.
func (t *Tracer) Profile(name string) func() {
	base := t.URL()
	if base == "" {
		return func() {}
	}
	file := filepath.Join(t.Dir, sanitize(name)+".trace")
	done := make(chan error, 1)
	go func() { done <- fetchTrace(base, t.Seconds, file) }()
	time.Sleep(50 * time.Millisecond) // the trace starts before the load
	return func() {
		if err := <-done; err != nil {
			fmt.Fprintf(t.Progress, "    trace: %v\n", err)
			return
		}
		fmt.Fprintf(t.Progress, "    trace: go tool trace %s\n", file)
	}
}

func fetchTrace(base string, seconds int, file string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+30)*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/trace?seconds=%d", base, seconds), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", req.URL.Path, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// chainProfiles runs both profilers around a run.
func chainProfiles(a, b func(string) func()) func(string) func() {
	if a == nil {
		return b
	}
	return func(name string) func() {
		sa, sb := a(name), b(name)
		return func() { sb(); sa() }
	}
}
