package pgtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CreateDatabase creates database name on the cluster and returns its
// URL, for programs that use a cluster outside a test (lkbench).
func (c *Cluster) CreateDatabase(name string) (string, error) {
	if ident(name) != name {
		return "", fmt.Errorf("pgtest: %q is not a lower-case identifier", name)
	}
	if err := c.createDatabase(name); err != nil {
		return "", err
	}
	return c.DSN(name), nil
}

// PID returns the postmaster's process id, read from its pid file.
func (c *Cluster) PID() (int, error) { return postmasterPID(c.data()) }

// postmasterPID reads the first line of data/postmaster.pid.
func postmasterPID(data string) (int, error) {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("pgtest: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0, fmt.Errorf("pgtest: postmaster.pid: %w", err)
	}
	return pid, nil
}
