package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testCluster is N real `latchkey serve` processes (this test binary run
// again through LATCHKEY_TEST_MAIN, see TestMain) on one PostgreSQL
// database: the same --store, --encryption-key-file and --issuer, each
// on its own loopback port and data directory, as the README's "Several
// nodes" section sets them up. The issuer is the address of an in-test
// load balancer (balancer.go) in front of the nodes. Every process gets
// SIGKILL when the test ends, and when the test binary dies (Pdeathsig).
type testCluster struct {
	t       *testing.T
	dsn     string
	keyFile string
	lb      *balancer
	issuer  string
	nodes   []*clusterNode
}

// clusterNode is one `latchkey serve` process; its address and data
// directory stay the same across restarts.
type clusterNode struct {
	name, addr, url, data string
	cmd                   *exec.Cmd
	log                   *os.File
	exited                chan struct{}
}

// startCluster migrates the database at dsn, then starts n nodes on it.
func startCluster(t *testing.T, dsn string, n int) *testCluster {
	t.Helper()
	dir := t.TempDir()
	c := &testCluster{t: t, dsn: dsn, keyFile: filepath.Join(dir, "encryption.key")}
	if err := os.WriteFile(c.keyFile, []byte(strings.Repeat("5a", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "migrate", "up", "--store", dsn); code != 0 {
		t.Fatalf("migrate up: %d %s %s", code, out, errOut)
	}
	c.lb = newBalancer(t)
	c.issuer = c.lb.url
	for i := range n {
		name := string(rune('a' + i))
		c.nodes = append(c.nodes, &clusterNode{name: name, addr: freeAddr(t), data: filepath.Join(dir, name)})
	}
	for _, nd := range c.nodes {
		nd.url = "http://" + nd.addr
		c.lb.add(nd.url)
	}
	// The first node creates the signing keys of an empty database;
	// the others load them.
	c.start(c.nodes[0])
	c.waitReady(c.nodes[0])
	for _, nd := range c.nodes[1:] {
		c.start(nd)
	}
	for _, nd := range c.nodes[1:] {
		c.waitReady(nd)
	}
	t.Cleanup(func() {
		for _, nd := range c.nodes {
			c.kill(nd)
		}
	})
	return c
}

// start runs nd's process; waitReady waits for it to answer.
func (c *testCluster) start(nd *clusterNode) {
	c.t.Helper()
	if err := os.MkdirAll(nd.data, 0o700); err != nil {
		c.t.Fatal(err)
	}
	log, err := os.OpenFile(filepath.Join(nd.data, "serve.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LATCHKEY_TEST_MAIN="+strings.Join([]string{"serve",
		"--addr", nd.addr, "--data", nd.data, "--issuer", c.issuer, "--node-id", nd.name,
		"--store", c.dsn, "--encryption-key-file", c.keyFile,
		"--log-format", "json", "--log-level", "warn"}, "\x1f"))
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	nd.cmd, nd.log, nd.exited = cmd, log, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(nd.exited)
}

// waitReady waits until nd serves its discovery document.
func (c *testCluster) waitReady(nd *clusterNode) {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-nd.exited:
			c.t.Fatalf("node %s exited:\n%s", nd.name, c.logOf(nd))
		default:
		}
		resp, err := http.Get(nd.url + "/.well-known/openid-configuration")
		if err == nil {
			var doc struct {
				Issuer string `json:"issuer"`
			}
			err = json.NewDecoder(resp.Body).Decode(&doc)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK && doc.Issuer == c.issuer {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("node %s did not start:\n%s", nd.name, c.logOf(nd))
}

// kill sends SIGKILL to nd (kill -9: no drain, no shutdown) and waits
// until it is gone.
func (c *testCluster) kill(nd *clusterNode) {
	if nd.cmd == nil {
		return
	}
	_ = nd.cmd.Process.Kill()
	<-nd.exited
	nd.log.Close()
	nd.cmd = nil
}

// restart starts a killed node again and waits until it is ready.
func (c *testCluster) restart(nd *clusterNode) {
	c.t.Helper()
	c.start(nd)
	c.waitReady(nd)
}

// logOf is the tail of nd's log, for failure messages.
func (c *testCluster) logOf(nd *clusterNode) string {
	b, _ := os.ReadFile(filepath.Join(nd.data, "serve.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// cli runs a latchkey admin command in this process on the cluster's
// store and returns its standard output; it fails the test on a non-zero
// exit.
func (c *testCluster) cli(stdin string, args ...string) string {
	c.t.Helper()
	args = append(args, "--store", c.dsn, "--encryption-key-file", c.keyFile, "--data", c.t.TempDir())
	code, out, errOut := runCLI(c.t, stdin, args...)
	if code != 0 {
		c.t.Fatalf("latchkey %s: exit %d\n%s%s", strings.Join(args[:2], " "), code, out, errOut)
	}
	return out
}

// client creates a client with the CLI and returns its id and secret.
func (c *testCluster) client(args ...string) (string, string) {
	c.t.Helper()
	out := c.cli("", append([]string{"client", "create", "--json"}, args...)...)
	var cl struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if err := json.NewDecoder(bytes.NewReader([]byte(out))).Decode(&cl); err != nil || cl.ID == "" {
		c.t.Fatalf("client create: %v\n%s", err, out)
	}
	return cl.ID, cl.Secret
}

// user creates a user with password pw.
func (c *testCluster) user(name, pw string) {
	c.t.Helper()
	c.cli(pw+"\n", "user", "create", "--username", name, "--email", fmt.Sprintf("%s@example.com", name), "--password-stdin")
}
