package pgtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// dirPrefix names every cluster directory under os.TempDir, so a sweep
// can find the ones a killed test binary left behind.
const dirPrefix = "latchkey-pgtest-"

// Cluster is a private PostgreSQL cluster: its own data directory, a
// random superuser password, a free loopback port and its socket in its
// own directory. Stop it (and remove everything) with Stop.
type Cluster struct {
	// Dir holds the data directory, the socket, the log and the owner's
	// pid file; Stop removes it.
	Dir string
	// Port is the loopback TCP port the server listens on.
	Port int
	// User and Password are the superuser's credentials.
	User     string
	Password string

	bin   string
	runAs string // "" or the OS user the server runs as (when we are root)
}

// Start creates and starts a cluster under os.TempDir. It fails with a
// message saying what to install when the PostgreSQL server binaries are
// missing. Clusters left by dead processes are removed first.
func Start() (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	Sweep()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{Dir: dir, User: "postgres", Password: randomHex(16), bin: bin}
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		c.runAs = "postgres"
		if err := chownTo(dir, c.runAs); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	if err := c.initdb(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		if c.Port, err = freePort(); err == nil {
			if err = c.start(); err == nil {
				return c, nil
			}
		}
		if attempt == 3 {
			_ = c.Stop()
			return nil, err
		}
	}
}

// initdb creates the data directory with password authentication only.
// -N skips initdb's own fsyncs (the files are synced by the server's
// first checkpoint); the server itself runs with fsync=on.
func (c *Cluster) initdb() error {
	pw := filepath.Join(c.Dir, "pwfile")
	if err := os.WriteFile(pw, []byte(c.Password+"\n"), 0o600); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if c.runAs != "" {
		if err := chownTo(pw, c.runAs); err != nil {
			return err
		}
	}
	defer os.Remove(pw)
	return c.run("initdb", "-D", c.data(), "-U", c.User, "--pwfile="+pw,
		"-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "-N")
}

// start runs pg_ctl start and waits until the server accepts connections.
func (c *Cluster) start() error {
	opts := strings.Join([]string{
		"-c listen_addresses=127.0.0.1",
		"-c port=" + strconv.Itoa(c.Port),
		"-c unix_socket_directories=" + c.Dir,
		"-c fsync=on",
		"-c max_connections=100",
		"-c shared_buffers=32MB",
	}, " ")
	return c.run("pg_ctl", "start", "-w", "-t", "60", "-D", c.data(), "-l", filepath.Join(c.Dir, "server.log"), "-o", opts)
}

// Stop stops the server at once and removes the cluster's directory. It
// is safe to call more than once.
func (c *Cluster) Stop() error {
	if c == nil || c.Dir == "" {
		return nil
	}
	var err error
	if _, statErr := os.Stat(filepath.Join(c.data(), "postmaster.pid")); statErr == nil {
		err = c.run("pg_ctl", "stop", "-w", "-D", c.data(), "-m", "immediate")
	}
	if rmErr := os.RemoveAll(c.Dir); rmErr != nil && err == nil {
		err = fmt.Errorf("pgtest: %w", rmErr)
	}
	c.Dir = ""
	return err
}

// DSN returns the connection URL of database db on the cluster, with
// the superuser's password in it.
func (c *Cluster) DSN(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(c.User, c.Password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)), Path: "/" + db,
		RawQuery: "sslmode=disable"}
	return u.String()
}

// Bin returns the path of the PostgreSQL program name (pg_dump, psql).
func (c *Cluster) Bin(name string) string { return filepath.Join(c.bin, name) }

// Log returns the server's log, for a failing test's output.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
	return string(b)
}

func (c *Cluster) data() string { return filepath.Join(c.Dir, "data") }

// run runs a server program as the cluster's OS user.
func (c *Cluster) run(name string, args ...string) error {
	path := c.Bin(name)
	if c.runAs != "" {
		args = append([]string{"-u", c.runAs, "--", path}, args...)
		path = "runuser"
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = c.Dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl leaves the server running in its own session: a ^C to the
	// test binary must reach our cleanup, not the server directly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pgtest: %s: %v\n%s", name, err, out.String())
	}
	return nil
}

// binDir finds the PostgreSQL server programs: $LATCHKEY_PG_BIN, else
// Debian's /usr/lib/postgresql/<version>/bin (newest first).
func binDir() (string, error) {
	candidates := []string{os.Getenv("LATCHKEY_PG_BIN")}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(found) - 1; i >= 0; i-- {
		candidates = append(candidates, found[i])
	}
	for _, d := range candidates {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
				return d, nil
			}
		}
	}
	return "", errors.New("pgtest: the PostgreSQL server programs (initdb, pg_ctl, postgres) were not found " +
		"under /usr/lib/postgresql/*/bin or $LATCHKEY_PG_BIN: install them with `make test-deps` " +
		"(Debian package postgresql) or `apt-get install postgresql`")
}

func chownTo(path, name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("pgtest: running as root needs the %q OS user to run PostgreSQL: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Sweep stops and removes the clusters under os.TempDir whose owning
// process is gone (a test binary killed by a timeout or kill -9 runs no
// cleanup). It is called by Start; clusters of live processes are left
// alone.
func Sweep() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || alive(pid) {
			continue
		}
		bin, err := binDir()
		if err != nil {
			return
		}
		c := &Cluster{Dir: dir, bin: bin}
		if os.Geteuid() == 0 {
			c.runAs = "postgres"
		}
		_ = c.Stop()
	}
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
