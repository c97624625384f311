package bench

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// pinnedEnv tells a re-executed lkbench which core it was pinned to.
const pinnedEnv = "LKBENCH_PINNED"

// PinSelf re-executes the running program under `taskset -c core`, once:
// the process keeps its PID and every thread, present and future, runs on
// that core. It returns nil without re-executing when already pinned, and
// an error when taskset is missing (the figures would not be per core).
func PinSelf(core int) error {
	if os.Getenv(pinnedEnv) == strconv.Itoa(core) {
		return nil
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return fmt.Errorf("bench: taskset not found (apt-get install util-linux): %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	env := append(os.Environ(), pinnedEnv+"="+strconv.Itoa(core))
	argv := append([]string{"taskset", "-c", strconv.Itoa(core), self}, os.Args[1:]...)
	return syscall.Exec(taskset, argv, env)
}

// Proc is a child process pinned to one core. Every Proc started is
// registered so that StopAll can end it on any exit path.
type Proc struct {
	Name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

var (
	procsMu sync.Mutex
	procs   = map[*Proc]bool{}
)

// StartPinned starts argv under `taskset -c core` with GOMAXPROCS=maxProcs
// (0 leaves it unset), its output appended to logPath. The child gets
// SIGKILL if lkbench dies first, and its own process group, so a Ctrl-C
// reaches lkbench only, which then stops its children in order.
func StartPinned(name string, core, maxProcs int, logPath string, argv ...string) (*Proc, error) {
	return startPinnedEnv(name, core, maxProcs, nil, logPath, argv...)
}

// startPinnedEnv is StartPinned with env added to the child's environment.
func startPinnedEnv(name string, core, maxProcs int, env []string, logPath string, argv ...string) (*Proc, error) {
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	args := append([]string{"-c", strconv.Itoa(core)}, argv...)
	cmd := exec.Command("taskset", args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(childEnv(maxProcs), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", name, err)
	}
	p := &Proc{Name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	procsMu.Lock()
	procs[p] = true
	procsMu.Unlock()
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// childEnv is lkbench's environment without its pinning marker, with
// GOMAXPROCS set when maxProcs > 0.
func childEnv(maxProcs int) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, pinnedEnv+"=") && !strings.HasPrefix(kv, "GOMAXPROCS=") {
			env = append(env, kv)
		}
	}
	if maxProcs > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(maxProcs))
	}
	return env
}

// PID is the child's process id (taskset execs the program, so it is the
// program's own).
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the child has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop asks the child to end (SIGTERM), waits up to 10 s, then kills it.
// It is safe to call more than once.
func (p *Proc) Stop() {
	procsMu.Lock()
	delete(procs, p)
	procsMu.Unlock()
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// StopAll stops every child still running.
func StopAll() {
	procsMu.Lock()
	var all []*Proc
	for p := range procs {
		all = append(all, p)
	}
	procsMu.Unlock()
	for _, p := range all {
		p.Stop()
	}
}

// RSS returns the child's resident set size (VmRSS) in bytes.
func (p *Proc) RSS() (int64, error) {
	m, err := p.Memory()
	return m.RSS, err
}

// Memory is a process's resident memory, in bytes, from /proc/PID/status.
type Memory struct {
	RSS  int64 // VmRSS
	Anon int64 // RssAnon: heap, stacks, caches
	File int64 // RssFile: mapped files (the binary, Badger's tables and logs)
}

// Memory returns the child's resident memory.
func (p *Proc) Memory() (Memory, error) { return memory(p.PID()) }

func memory(pid int) (Memory, error) {
	var m Memory
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return m, err
	}
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		var dst *int64
		switch name {
		case "VmRSS":
			dst, found = &m.RSS, ok
		case "RssAnon":
			dst = &m.Anon
		case "RssFile":
			dst = &m.File
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return m, fmt.Errorf("bench: /proc status %s: %w", name, err)
		}
		*dst = kb << 10
	}
	if !found {
		return m, errors.New("bench: no VmRSS in /proc status")
	}
	return m, nil
}

// logTail returns the last lines of the child's log, for error messages.
func (p *Proc) logTail() string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return strings.Join(lines, "\n")
}
