package multinode_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore/server"
)

// TestSettingsSaveConflict: two administrators save the Settings screen
// at the same instant on two nodes, both from the revision they loaded:
// one save wins, the other gets ErrPolicyChanged and changes nothing,
// and both nodes then enforce the winner's value. Saves without a
// revision (the CLI) on two nodes at once both take effect: the loser
// of the swap applies its change on top of the winner's.
func TestSettingsSaveConflict(t *testing.T) {
	_, nodes := startCluster(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	for round := range 5 {
		rev := a.srv.Policy().Revision
		within(t, time.Second, "B has A's revision", func() bool { return b.srv.Policy().Revision == rev })
		ttl := [2]string{fmt.Sprintf("%dm", 10+2*round), fmt.Sprintf("%dm", 11+2*round)}
		var errs [2]error
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, n := range []*node{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, _, errs[i] = n.srv.UpdatePolicyAt(ctx, rev, map[string]string{"access_token_ttl": ttl[i]}, fmt.Sprintf("admin-%d", i))
			}()
		}
		close(start)
		wg.Wait()
		won := -1
		for i, err := range errs {
			switch {
			case err == nil && won >= 0:
				t.Fatalf("round %d: both saves from revision %d succeeded", round, rev)
			case err == nil:
				won = i
			case !errors.Is(err, server.ErrPolicyChanged):
				t.Fatalf("round %d: node %d: %v, want ErrPolicyChanged", round, i, err)
			}
		}
		if won < 0 {
			t.Fatalf("round %d: no save succeeded", round)
		}
		for _, n := range []*node{a, b} {
			within(t, time.Second, "the winner's value in force on both nodes", func() bool {
				p := n.srv.Policy()
				return fmt.Sprintf("%dm", int(p.Policy.AccessTokenTTL.Minutes())) == ttl[won] && p.Revision == rev+1
			})
		}
	}

	// Without a revision, both changes are kept.
	var wg sync.WaitGroup
	start := make(chan struct{})
	changes := []map[string]string{{"lockout_threshold": "7"}, {"lockout_duration": "20m"}}
	for i, n := range []*node{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, _, err := n.srv.UpdatePolicy(ctx, changes[i], "cli"); err != nil {
				t.Errorf("node %d: %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, n := range []*node{a, b} {
		within(t, time.Second, "both changes in force", func() bool {
			p := n.srv.Policy().Policy
			return p.LockoutThreshold == 7 && p.LockoutDuration == 20*time.Minute
		})
	}
}
