package bench

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Perf records CPU profiles of one process with Linux perf (call graphs
// through Go's frame pointers), one file per figure, for `perf report`.
// It is what -perf DIR turns on: the server has no pprof endpoint.
type Perf struct {
	Dir      string
	PID      func() int // the process to profile now (0: none)
	Progress io.Writer
}

// Profile starts `perf record` on the current process and returns the
// function that stops it. Failures are reported, never fatal.
func (p *Perf) Profile(name string) func() {
	pid := p.PID()
	if pid == 0 {
		return func() {}
	}
	file := filepath.Join(p.Dir, sanitize(name)+".perf.data")
	cmd := exec.Command("perf", "record", "-F", "1999", "-g", "-p", fmt.Sprint(pid), "-o", file)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(p.Progress, "  perf: %v\n", err)
		return func() {}
	}
	time.Sleep(150 * time.Millisecond) // let perf attach before the load starts
	return func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		fmt.Fprintf(p.Progress, "    profile: perf report -i %s --no-children\n", file)
	}
}

func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			return r
		}
		return '_'
	}, name)
}
