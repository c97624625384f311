package bench

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTick = 10 * time.Millisecond

// procCPU returns the user+system CPU time process pid has used so far,
// 0 when it cannot be read.
func procCPU(pid int) time.Duration { return statTimes(pid, 11) }

// statTimes sums the two clock-tick fields of /proc/PID/stat at index i
// and i+1 of the fields after the command name (utime, stime at 11;
// cutime, cstime at 13), 0 when they cannot be read.
func statTimes(pid, i int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may
	// hold spaces: state is field 3, utime 14, stime 15.
	s := string(b)
	j := strings.LastIndexByte(s, ')')
	if j < 0 {
		return 0
	}
	f := strings.Fields(s[j+1:])
	if len(f) < i+2 {
		return 0
	}
	a, _ := strconv.ParseInt(f[i], 10, 64)
	c, _ := strconv.ParseInt(f[i+1], 10, 64)
	return time.Duration(a+c) * clockTick
}

// selfCPU is the CPU time lkbench itself has used (all its threads).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// coreTimes returns core's busy time (user, nice, system, irq, softirq),
// steal time and total time from /proc/stat.
func coreTimes(core int) (busy, steal, total time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, 0
	}
	prefix := "cpu" + strconv.Itoa(core) + " "
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		var v [8]int64
		for i, f := range strings.Fields(line)[1:] {
			if i < len(v) {
				v[i], _ = strconv.ParseInt(f, 10, 64)
			}
		}
		busy = time.Duration(v[0]+v[1]+v[2]+v[5]+v[6]) * clockTick
		steal = time.Duration(v[7]) * clockTick
		total = time.Duration(v[0]+v[1]+v[2]+v[3]+v[4]+v[5]+v[6]+v[7]) * clockTick
	}
	return busy, steal, total
}

// cpuMeter measures the CPU a measured process and lkbench use during a
// run.
type cpuMeter struct {
	pid        int
	extra      func() time.Duration // CPU of processes serving the measured one (nil: none)
	extra0     time.Duration
	srv0, gen0 time.Duration
	busy0      time.Duration // the server core's busy, steal and total times
	steal0     time.Duration
	total0     time.Duration
	lbusy0     time.Duration // the same for the load core
	lsteal0    time.Duration
	ltotal0    time.Duration
	t0         time.Time
}

func startCPU(pid int, extra func() time.Duration) cpuMeter {
	m := cpuMeter{pid: pid, extra: extra, srv0: procCPU(pid), gen0: selfCPU(), t0: time.Now()}
	if extra != nil {
		m.extra0 = extra()
	}
	m.busy0, m.steal0, m.total0 = coreTimes(serverCore)
	m.lbusy0, m.lsteal0, m.ltotal0 = coreTimes(loadCore)
	return m
}

// lost is the larger fraction, of the server core's time and of the load
// core's, that the hypervisor stole or other processes used since start:
// the run's interference.
// extraGen is CPU a load generator other than lkbench (wrk) used.
func (m cpuMeter) lost(extraGen time.Duration) float64 {
	share := func(core int, busy0, steal0, total0, own time.Duration) float64 {
		busy, steal, total := coreTimes(core)
		t := total - total0
		if t <= 0 {
			return 0
		}
		others := max(busy-busy0-own, 0)
		return (others + steal - steal0).Seconds() / t.Seconds()
	}
	srv := m.serverCPU()
	return max(share(serverCore, m.busy0, m.steal0, m.total0, srv),
		share(loadCore, m.lbusy0, m.lsteal0, m.ltotal0, selfCPU()-m.gen0+extraGen))
}

// stop returns the fraction of one core the measured process and lkbench
// (with extraGen, a separate load generator's CPU) were busy, and the
// measured process's CPU time per operation.
func (m cpuMeter) stop(ops int, extraGen time.Duration) (srvBusy, genBusy float64, perOp time.Duration) {
	wall := time.Since(m.t0).Seconds()
	srv, gen := m.serverCPU(), selfCPU()-m.gen0+extraGen
	if wall <= 0 {
		return 0, 0, 0
	}
	if ops > 0 && m.pid > 0 {
		perOp = srv / time.Duration(ops)
	}
	return srv.Seconds() / wall, gen.Seconds() / wall, perOp
}

// serverCPU is the CPU the measured process, and the processes serving
// it, used since start.
func (m cpuMeter) serverCPU() time.Duration {
	srv := time.Duration(0)
	if m.pid > 0 {
		srv = procCPU(m.pid) - m.srv0
	}
	if m.extra != nil {
		srv += m.extra() - m.extra0
	}
	return srv
}
