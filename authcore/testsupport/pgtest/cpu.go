package pgtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// CPU is the CPU time the cluster has used so far: its postmaster's,
// every live process it runs (backends, WAL writer, autovacuum) and
// those it has reaped. Benchmarks report the database's own CPU per
// operation with it (issue 19's PostgreSQL figures).
func (c *Cluster) CPU() (time.Duration, error) {
	pm, err := c.PID()
	if err != nil {
		return 0, err
	}
	total, err := procCPU(pm, true)
	if err != nil {
		return 0, err
	}
	kids, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pm, pm))
	if err != nil {
		return 0, fmt.Errorf("pgtest: %w", err)
	}
	for _, f := range strings.Fields(string(kids)) {
		if pid, err := strconv.Atoi(f); err == nil {
			t, _ := procCPU(pid, false) // a child that just exited is reaped
			total += t
		}
	}
	return total, nil
}

// procCPU reads utime+stime of pid, and of its reaped children when
// reaped is set (/proc/PID/stat fields 14-17, in USER_HZ ticks).
func procCPU(pid int, reaped bool) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("pgtest: %w", err)
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // f[0] is field 3
	n := 2
	if reaped {
		n = 4
	}
	var ticks int64
	for _, v := range f[11 : 11+n] {
		t, _ := strconv.ParseInt(v, 10, 64)
		ticks += t
	}
	return time.Duration(ticks) * time.Second / 100, nil
}
