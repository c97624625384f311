package server_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// from makes b's next connections come from the loopback address ip, as
// a browser that moved to another network.
func from(b *testsupport.Browser, ip string) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	b.Client.Transport = &http.Transport{DialContext: d.DialContext}
}

// TestSessionLastSeenEndToEnd: single sign-on through the real /authorize
// at a later injected time, from another address, is the session's last
// use on the account page; a use within authcore.SessionTouchInterval
// of it records nothing; the expiry never moves.
func TestSessionLastSeenEndToEnd(t *testing.T) {
	e := newMFAEnv(t)
	alice := e.user("alice")
	ctx := context.Background()
	b := testsupport.NewBrowser(t)
	from(b, "127.0.0.1")
	signedIn := e.clk.Now()
	e.redeem(b.SignIn(e.issuer, e.authURL(), "alice", "alice-password-1").Redirect)
	session := func() authcore.Session {
		t.Helper()
		ss, err := e.srv.Store.ListSessions(ctx, alice.ID)
		if err != nil || len(ss) != 1 {
			t.Fatalf("sessions of alice: %v %+v", err, ss)
		}
		return ss[0]
	}
	first := session()
	account := func() string {
		t.Helper()
		resp, page := b.Get(e.issuer + "/account")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("account page: %d", resp.StatusCode)
		}
		return page
	}
	stamp := func(at time.Time) string { return at.UTC().Format("2 Jan 2006 15:04 UTC") }
	want := func(page string, parts ...string) {
		t.Helper()
		for _, p := range parts {
			if !strings.Contains(page, p) {
				t.Errorf("account page lacks %q:\n%s", p, page)
			}
		}
	}
	want(account(), "last seen "+stamp(signedIn)+" from 127.0.0.1 · signed in "+stamp(signedIn)+" ·")

	// Single sign-on ten minutes later from another address.
	e.clk.Advance(10 * time.Minute)
	used := e.clk.Now()
	from(b, "127.0.0.2")
	e.redeem(b.SignIn(e.issuer, e.authURL(), "", "").Redirect)
	got := session()
	if !got.LastSeenAt.Equal(used) || got.LastSeenIP != "127.0.0.2" {
		t.Fatalf("after single sign-on at %v from 127.0.0.2: last seen %v from %q", used, got.LastSeenAt, got.LastSeenIP)
	}
	if !got.ExpiresAt.Equal(first.ExpiresAt) || !got.AuthTime.Equal(first.AuthTime) {
		t.Errorf("use changed the session: expiry %v -> %v, auth time %v -> %v", first.ExpiresAt, got.ExpiresAt, first.AuthTime, got.AuthTime)
	}

	// Within the interval, from a third address: nothing is written.
	e.clk.Advance(authcore.SessionTouchInterval - time.Second)
	from(b, "127.0.0.3")
	e.redeem(b.SignIn(e.issuer, e.authURL(), "", "").Redirect)
	want(account(), "last seen "+stamp(used)+" from 127.0.0.2 · signed in "+stamp(signedIn)+" from 127.0.0.1 ·")
	if again := session(); !again.LastSeenAt.Equal(used) || again.LastSeenIP != "127.0.0.2" {
		t.Errorf("a use within %v of the last was written: last seen %v from %q", authcore.SessionTouchInterval, again.LastSeenAt, again.LastSeenIP)
	}
	infos, err := e.srv.OIDC.ListSessions(ctx, alice.ID)
	if err != nil || len(infos) != 1 || !infos[0].LastSeenAt.Equal(used) || infos[0].LastSeenIP != "127.0.0.2" {
		t.Errorf("console's sessions: %v %+v", err, infos)
	}
}
