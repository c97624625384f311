package walsync

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// unavailable reports whether err is a kernel or sandbox without
// io_uring: then datasync must fall back to fdatasync(2).
func unavailable(err error) bool {
	return errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES)
}

// syncCases syncs a file with data written (nil), a pipe (EINVAL, as
// fdatasync(2) answers) and a closed file (an error, never a sync of
// whatever reuses its descriptor) through sync.
func syncCases(t *testing.T, sync func(*os.File) error) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := sync(f); err != nil {
		t.Fatalf("sync of a file: %v", err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	if err := sync(pw); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("sync of a pipe: %v, want EINVAL", err)
	}
	g, err := os.Create(filepath.Join(t.TempDir(), "closed"))
	if err != nil {
		t.Fatal(err)
	}
	_ = g.Close()
	if err := sync(g); err == nil {
		t.Error("sync of a closed file gave no error")
	}
}

// TestDatasyncThroughRing: where the kernel offers io_uring, datasync's
// syncs run on the process's ring and give fdatasync(2)'s results; where
// it does not, datasync is fdatasync(2) itself.
func TestDatasyncThroughRing(t *testing.T) {
	r := sharedRing()
	if r == nil {
		if !unavailable(sharedErr) {
			t.Fatalf("io_uring refused for another reason than its absence: %v", sharedErr)
		}
		t.Logf("io_uring unavailable here (%v): testing the fdatasync(2) fallback", sharedErr)
		syncCases(t, datasync)
		return
	}
	before := r.submitted.Load()
	syncCases(t, datasync)
	if got := r.submitted.Load() - before; got != 3 {
		t.Errorf("%d syncs went through the ring, want 3", got)
	}
}

// TestRingManyWaiters: more concurrent syncs than the ring has entries
// each get their own completion.
func TestRingManyWaiters(t *testing.T) {
	r, err := newRing(4)
	if unavailable(err) {
		t.Logf("io_uring unavailable here (%v)", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := os.Create(filepath.Join(dir, string(rune('a'+i%26))+string(rune('a'+i/26))))
			if err != nil {
				errs <- err
				return
			}
			defer f.Close()
			if _, err := f.Write([]byte("commit")); err != nil {
				errs <- err
				return
			}
			if i%8 == 0 { // some fail, each with its own answer
				pr, pw, _ := os.Pipe()
				defer pr.Close()
				defer pw.Close()
				if err := r.datasync(pw); !errors.Is(err, syscall.EINVAL) {
					errs <- err
				}
				return
			}
			errs <- r.datasync(f)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestMethodSaysWhich: Method names the ring when syncs go through it,
// and otherwise fdatasync(2) with the reason the ring could not be set
// up (what the server's start line tells an operator).
func TestMethodSaysWhich(t *testing.T) {
	got := Method()
	if sharedRing() != nil {
		if got != "io_uring" {
			t.Fatalf("Method() = %q with a ring", got)
		}
		return
	}
	if !strings.HasPrefix(got, "fdatasync(2): io_uring unavailable: ") || !strings.Contains(got, sharedErr.Error()) {
		t.Fatalf("Method() = %q without a ring (%v)", got, sharedErr)
	}
}
