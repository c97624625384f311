package bench

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
)

// Machine describes where the figures were measured.
type Machine struct {
	CPU      string // model name from /proc/cpuinfo
	Cores    int    // online logical CPUs
	MemoryGB float64
	Kernel   string
	Go       string // the toolchain lkbench was built with
	Affinity string // the cores lkbench itself may run on
}

// DescribeMachine reads the machine's description from /proc and uname.
func DescribeMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), CPU: "unknown", Kernel: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		cores := 0
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			switch k = strings.TrimSpace(k); {
			case !ok:
			case k == "model name" && m.CPU == "unknown":
				m.CPU = strings.TrimSpace(v)
			case k == "processor":
				cores++
			}
		}
		if cores > 0 {
			m.Cores = cores
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			m.MemoryGB = float64(kb) / (1 << 20)
		}
	}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		m.Kernel = utsString(u.Sysname[:]) + " " + utsString(u.Release[:]) + " " + utsString(u.Machine[:])
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
				m.Affinity = strings.TrimSpace(v)
			}
		}
	}
	return m
}

func utsString[T int8 | uint8](cs []T) string {
	var b strings.Builder
	for _, c := range cs {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return b.String()
}

// String is the machine in a few lines.
func (m Machine) String() string {
	return fmt.Sprintf("CPU:     %s\nCores:   %d (server pinned to core %d with GOMAXPROCS=1, load generator to core %d; lkbench runs on cores %s)\n"+
		"Memory:  %.1f GiB\nKernel:  %s\nGo:      %s (lkbench; the server binary's version is printed by `latchkey version`)\n",
		m.CPU, m.Cores, serverCore, loadCore, m.Affinity, m.MemoryGB, m.Kernel, m.Go)
}
