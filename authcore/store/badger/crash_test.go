package badger

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// crashDirEnv tells the test binary, started again by TestCrashDurability,
// to act as the child that writes security state and is then killed.
const crashDirEnv = "LATCHKEY_BADGER_CRASH_DIR"

// crashConcurrent is how many revocations the child writes at once.
const crashConcurrent = 32

// TestCrashChild is the child's body; it does nothing in a normal run.
// It writes, prints "acked" once every write has returned (the moment a
// server would answer its client), then waits to be killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("only runs as TestCrashDurability's child")
	}
	ctx := context.Background()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.RevokeAccessToken(ctx, authcore.Revocation{JTI: "jti-1", ExpiresAt: now.Add(time.Hour), RevokedAt: now}))
	must(s.CreateAuthCode(ctx, authcore.AuthCode{Hash: "code-1", ExpiresAt: now.Add(time.Minute)}))
	_, err = s.ConsumeAuthCode(ctx, "code-1", "g1", now)
	must(err)
	rt := authcore.RefreshToken{Hash: "rt-1", ExpiresAt: now.Add(time.Hour)}
	must(s.CreateGrant(ctx, authcore.Grant{ID: "g1", ExpiresAt: now.Add(time.Hour)}, &rt))
	_, err = s.RotateRefreshToken(ctx, "rt-1", authcore.RefreshToken{Hash: "rt-2", ExpiresAt: now.Add(time.Hour)},
		authcore.IssuedToken{JTI: "at-2", ExpiresAt: now.Add(time.Hour)}, now)
	must(err)
	// Concurrent writes share fsyncs (syncer.go): each is acknowledged
	// only after a sync that covers it.
	var wg sync.WaitGroup
	errs := make(chan error, crashConcurrent)
	for i := range crashConcurrent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.RevokeAccessToken(ctx, authcore.Revocation{JTI: fmt.Sprintf("jti-c%d", i), ExpiresAt: now.Add(time.Hour), RevokedAt: now})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(err)
	}
	os.Stdout.WriteString("acked\n")
	time.Sleep(time.Minute) // killed long before this ends
}

// TestCrashDurability kills (SIGKILL) a process right after it
// acknowledged writes, without Close, and checks that every write is
// there on reopen and that the stale lock does not stop the reopen.
// (Power loss is a stronger test this one cannot make; the fsync after
// every commit, shared by concurrent ones, is what covers it:
// TestConcurrentCommitsShareSyncs.)
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "acked") {
				acked <- true
				return
			}
		}
		acked <- false
	}()
	select {
	case ok := <-acked:
		if !ok {
			_ = cmd.Wait()
			t.Fatal("child exited without acknowledging its writes")
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("child did not acknowledge within 30s")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	ctx := context.Background()
	s := openTest(t, Options{Dir: dir})
	if revoked, err := s.IsRevoked(ctx, "jti-1"); err != nil || !revoked {
		t.Errorf("acknowledged revocation lost: revoked=%v err=%v", revoked, err)
	}
	if _, err := s.ConsumeAuthCode(ctx, "code-1", "g2", time.Now()); !errors.Is(err, authcore.ErrConsumed) {
		t.Errorf("acknowledged code consumption lost: %v", err)
	}
	if _, err := s.RotateRefreshToken(ctx, "rt-1", authcore.RefreshToken{Hash: "rt-3"}, authcore.IssuedToken{}, time.Now()); !errors.Is(err, authcore.ErrConsumed) {
		t.Errorf("acknowledged rotation lost: %v", err)
	}
	if _, err := s.GetRefreshToken(ctx, "rt-2"); err != nil {
		t.Errorf("successor of acknowledged rotation: %v", err)
	}
	for i := range crashConcurrent {
		if revoked, err := s.IsRevoked(ctx, fmt.Sprintf("jti-c%d", i)); err != nil || !revoked {
			t.Errorf("acknowledged concurrent revocation jti-c%d lost: revoked=%v err=%v", i, revoked, err)
		}
	}
}
