package audit

import (
	"bufio"
	"context"
	"fmt"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// crashChildEnv makes the test binary act as the crash test's child: it
// records events with RecordSync from several goroutines and prints the
// request id of each acknowledged one until it is killed.
const crashChildEnv = "AUDIT_CRASH_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	pgtest.Main(m) // the PostgreSQL backend's tests (pg_test.go)
}

func crashChild(dir string) {
	l, err := Open(Options{Dir: dir})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("p%d-g%d-%d", os.Getpid(), g, i)
				if err := l.RecordSync(context.Background(), Event{Type: TokenRevoked, Outcome: Success, RequestID: id}); err != nil {
					return
				}
				l.Record(context.Background(), Event{Type: AdminAction}) // buffered noise
				mu.Lock()
				fmt.Fprintln(out, id)
				out.Flush()
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
}

func TestKillNineLosesNoAcknowledgedEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	for round := 0; round < 2; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := map[string]bool{}
		sc := bufio.NewScanner(stdout)
		deadline := time.Now().Add(20 * time.Second)
		for sc.Scan() && len(acked) < 300 && time.Now().Before(deadline) {
			acked[sc.Text()] = true
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for sc.Scan() { // acknowledgements already written before the kill
			acked[sc.Text()] = true
		}
		cmd.Wait()
		if len(acked) < 50 {
			t.Fatalf("child acknowledged only %d events", len(acked))
		}
		l, err := Open(Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]bool{}
		for f := (Filter{Types: []Type{TokenRevoked}, Limit: MaxLimit}); ; {
			page, err := l.Query(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, en := range page.Entries {
				stored[en.RequestID] = true
			}
			if f.Cursor = page.Next; f.Cursor == "" {
				break
			}
		}
		for id := range acked {
			if !stored[id] {
				t.Errorf("round %d: acknowledged event %s lost", round, id)
			}
		}
		r, err := l.Verify(context.Background())
		if err != nil || !r.OK {
			t.Fatalf("round %d: verify after kill -9 = %+v, %v", round, r, err)
		}
		t.Logf("round %d: %d acknowledged, %d stored, chain of %d verifies", round, len(acked), len(stored), r.Checked)
		l.Close()
	}
}
