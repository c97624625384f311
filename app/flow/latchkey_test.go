package flow

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// latchkey is a real Latchkey server on a free loopback port, with a user
// and three clients.
type latchkey struct {
	t      *testing.T
	issuer string
	srv    *server.Server
	native authcore.Client // public, loopback redirect, code + refresh
	web    authcore.Client // confidential, code + refresh
	webKey string
	svc    authcore.Client // confidential, client_credentials
	svcKey string
	logins int
}

const (
	aliceName     = "alice"
	alicePassword = "correct horse battery staple"
)

func newLatchkey(t *testing.T) *latchkey { return newLatchkeyAt(t, "127.0.0.1") }

// newLatchkeyAt starts the server with host in its issuer ("localhost"
// for a second server that plays an external provider, so the two keep
// apart as browsers and cookies see them).
func newLatchkeyAt(t *testing.T, host string) *latchkey {
	t.Helper()
	ctx := context.Background()
	srv, issuer := servertest.StartAt(t, host)
	lk := &latchkey{t: t, issuer: issuer, srv: srv}
	var err error
	if _, err := srv.Login.CreateUser(ctx, login.UserSpec{Username: aliceName, Password: alicePassword}); err != nil {
		t.Fatal(err)
	}
	user := []string{"openid", "profile", "offline_access", "orders:read"}
	loopback := []string{"http://127.0.0.1/callback"}
	if lk.native, _, err = srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Flow tester (native)",
		Type: authcore.Public, RedirectURIs: loopback, Scopes: user}); err != nil {
		t.Fatal(err)
	}
	if lk.web, lk.webKey, err = srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Flow tester (web)",
		RedirectURIs: loopback, Scopes: user}); err != nil {
		t.Fatal(err)
	}
	if lk.svc, lk.svcKey, err = srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Flow tester (service)",
		GrantTypes: []string{authcore.GrantClientCredentials}, Scopes: []string{"profile", "orders:read"}}); err != nil {
		t.Fatal(err)
	}
	return lk
}

// run runs a flow against the server, signing alice in through the real
// login and consent pages whenever the flow opens a browser.
func (lk *latchkey) run(o Options) (*Trace, error) {
	lk.t.Helper()
	o.Issuer = lk.issuer
	o.OpenBrowser = lk.browse
	o.Timeout = 30 * time.Second
	tr, err := Run(context.Background(), o)
	if tr == nil {
		lk.t.Fatalf("no trace: %v", err)
	}
	return tr, err
}

// browse is the system browser with a person at it: it signs alice in
// through the real login and consent pages (testsupport.SignIn: every hop
// a 303, the CSRF token from the form, Allow on the consent page), then
// follows the authorization response to the loopback listener, which must
// answer 200.
func (lk *latchkey) browse(start string) error {
	b := testsupport.NewBrowser(lk.t)
	s, err := b.TrySignIn(lk.issuer, start, aliceName, alicePassword)
	lk.logins += s.Logins
	if err != nil {
		return err
	}
	resp, err := b.Client.Get(s.Redirect.String())
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("loopback answered " + resp.Status)
	}
	return nil
}
