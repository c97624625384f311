package oidc_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// password is every test user's password.
const password = "wonderland-42"

// env is the real server on a loopback listener whose URL is the issuer,
// over an in-memory Badger store, with a settable clock and the audit
// events it recorded.
type env struct {
	t      *testing.T
	srv    *server.Server
	issuer string
	clock  *testsupport.Clock
	ev     *testsupport.Events
}

// start serves a real Latchkey; edits change its configuration after the
// clock and the audit recorder are set.
func start(t *testing.T, edits ...func(*server.Config)) *env {
	t.Helper()
	e := &env{t: t, clock: testsupport.NewClock(time.Now().Truncate(time.Second)), ev: &testsupport.Events{}}
	edits = append([]func(*server.Config){func(c *server.Config) { c.Now, c.Audit = e.clock.Now, e.ev }}, edits...)
	e.srv, e.issuer = servertest.Start(t, edits...)
	return e
}

// rp is a registered relying party.
type rp struct {
	client authcore.Client
	cfg    oauth2.Config
}

func (e *env) rp(spec oauth.ClientSpec, scopes ...string) rp {
	e.t.Helper()
	c, secret, err := e.srv.OAuth.CreateClient(context.Background(), spec)
	if err != nil {
		e.t.Fatal(err)
	}
	return rp{client: c, cfg: oauth2.Config{ClientID: c.ID, ClientSecret: secret, RedirectURL: spec.RedirectURIs[0],
		Scopes: scopes, Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize",
			TokenURL: e.issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}}
}

func (e *env) user(name, email string) authcore.User {
	e.t.Helper()
	u, err := e.srv.Login.CreateUser(context.Background(), login.UserSpec{Username: name, Email: email,
		DisplayName: "Alice Liddell", Password: password})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}
