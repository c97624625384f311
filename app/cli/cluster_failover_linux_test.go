package cli

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore/testsupport"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// failoverKills is how many times TestClusterFailover kills a node.
const failoverKills = 20

// Issue 20, failover under load: while a client spreads code, refresh,
// client_credentials and revocation traffic over three nodes (retrying
// on another node after a connection error), one node at a time gets
// kill -9 at a random moment and is started again, 20 times. Nothing the
// nodes acknowledged is lost: every family's last rotated-to token still
// rotates, no code or refresh token was used twice, every acknowledged
// revocation holds on every node, and the audit log (one chain per node) verifies.
// Then PostgreSQL is stopped: the nodes answer 503 temporarily_unavailable,
// never a token they could not store, and serve again without a restart
// once it is back.
func TestClusterFailover(t *testing.T) {
	began := time.Now()
	pg, err := pgtest.Start() // a cluster of its own: this test stops it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	c := startCluster(t, pg.DSN("postgres"), 3)
	l := &loadClient{c: c, user: "alice", password: "correct horse battery",
		spent: map[string]bool{}, counts: map[string]int{}}
	l.svc, l.svcSecret = c.client("--name", "svc", "--grant-type", "client_credentials", "--scope", "orders:read")
	l.web, l.webSecret = c.client("--name", "web", "--redirect-uri", webRedirect,
		"--grant-type", "authorization_code", "--grant-type", "refresh_token", "--scope", "openid offline_access")
	c.user(l.user, l.password)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var fmu sync.Mutex
	var finals []*family
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := testsupport.NewBrowser(t)
			var f *family
			for {
				select {
				case <-stop:
					if f != nil {
						fmu.Lock()
						finals = append(finals, f)
						fmu.Unlock()
					}
					return
				default:
				}
				if f == nil {
					f, _ = l.newFamily(t, br)
					continue
				}
				if !l.rotate(f) {
					f = nil
				}
			}
		}()
	}
	for _, work := range []func(br *testsupport.Browser){
		func(*testsupport.Browser) { l.revokeOne() },
		func(br *testsupport.Browser) { l.newFamily(t, br) }, // codes, each also replayed at another node
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := testsupport.NewBrowser(t)
			for {
				select {
				case <-stop:
					return
				default:
					work(br)
				}
			}
		}()
	}
	for range failoverKills {
		time.Sleep(time.Duration(100+rand.IntN(500)) * time.Millisecond)
		nd := c.nodes[rand.IntN(len(c.nodes))]
		c.kill(nd)
		c.restart(nd)
	}
	close(stop)
	wg.Wait()
	t.Logf("%d kills in %s under load: %v", failoverKills, time.Since(began).Round(time.Second), l.counts)
	for _, p := range l.problems {
		t.Error(p)
	}
	if l.counts["refresh"] < failoverKills || l.counts["revocation"] < failoverKills || l.counts["code"] < failoverKills {
		t.Errorf("too little traffic to judge: %v", l.counts)
	}

	checkAcknowledged(t, l, finals)
	checkDatabaseDown(t, c, pg, l)
	for _, nd := range c.nodes {
		c.kill(nd)
	}
	// One audit log in the database, one hash chain per node: every
	// node's chain verifies after the kills.
	if out := c.cli("", "audit", "verify"); !strings.Contains(out, "nodes intact") {
		t.Errorf("audit verify: %s", out)
	}
	t.Logf("failover test took %s", time.Since(began).Round(time.Second))
}

// checkAcknowledged: the last token of every family whose answers all
// arrived still rotates; replaying any acknowledged-spent refresh token
// or code fails; every acknowledged revocation holds on every node.
func checkAcknowledged(t *testing.T, l *loadClient, finals []*family) {
	t.Helper()
	for i, f := range finals {
		if f.tainted {
			continue
		}
		a := l.call("/token", l.web, l.webSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {f.cur}})
		if a.err != nil || a.status != 200 {
			t.Errorf("family %d: its last acknowledged refresh token no longer rotates: %d %v %v", i, a.status, a.body, a.err)
		}
	}
	n := 0
	for tok := range l.spent {
		if n++; n > 40 {
			break
		}
		for _, grant := range []url.Values{{"grant_type": {"refresh_token"}, "refresh_token": {tok}},
			{"grant_type": {"authorization_code"}, "code": {tok}, "redirect_uri": {webRedirect}}} {
			if a := l.call("/token", l.web, l.webSecret, grant); a.err == nil && a.status == 200 {
				t.Errorf("a spent %s was accepted again", grant.Get("grant_type"))
			}
		}
	}
	for _, tok := range l.revoked {
		for _, nd := range l.c.nodes {
			st, in := tokenCallAt(t, nd.url+"/introspect", l.svc, l.svcSecret, url.Values{"token": {tok}})
			if st != 200 || in["active"] != false {
				t.Fatalf("a token whose revocation was acknowledged is active at %s: %d %v", nd.name, st, in)
			}
		}
	}
}

// checkDatabaseDown stops PostgreSQL: every node answers a refresh with
// 503 temporarily_unavailable (never a token it could not store), and
// once PostgreSQL is back every node serves again, and the token the
// outage refused still rotates.
func checkDatabaseDown(t *testing.T, c *testCluster, pg *pgtest.Cluster, l *loadClient) {
	t.Helper()
	br := testsupport.NewBrowser(t)
	var f *family
	for try := 0; f == nil && try < 5; try++ {
		f, _ = l.newFamily(t, br)
	}
	if f == nil {
		t.Fatal("no refresh-token family before the database outage")
	}
	if err := pg.Halt(); err != nil {
		t.Fatal(err)
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {f.cur}}
	for _, nd := range c.nodes {
		st, body := tokenCall(t, nd.url, l.web, l.webSecret, refresh)
		if st != 503 || body["error"] != "temporarily_unavailable" {
			t.Errorf("refresh at %s with the database down: %d %v, want 503 temporarily_unavailable", nd.name, st, body)
		}
		st, body = tokenCall(t, nd.url, l.svc, l.svcSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}})
		if st != 503 && st != 200 {
			t.Errorf("client_credentials at %s with the database down: %d %v, want 503 (or 200: nothing to store)", nd.name, st, body)
		}
	}
	if err := pg.Resume(); err != nil {
		t.Fatal(err)
	}
	for i, nd := range c.nodes {
		deadline := time.Now().Add(30 * time.Second)
		for {
			st, body := tokenCall(t, nd.url, l.svc, l.svcSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}})
			if st == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not recover after PostgreSQL came back: %d %v", nd.name, st, body)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if i == 1 {
			if st, body := tokenCall(t, nd.url, l.web, l.webSecret, refresh); st != 200 {
				t.Errorf("the refresh token the outage refused, at %s after recovery: %d %v", nd.name, st, body)
			}
		}
	}
}
