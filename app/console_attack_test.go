package app_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// adminConsole is a console with the console client and a first
// administrator, and a way to mint that administrator's access tokens.
type adminConsole struct {
	t     *testing.T
	a     *app.App
	srv   *server.Server
	h     http.Handler
	admin app.User
}

func newAdminConsole(t *testing.T) *adminConsole {
	a, srv := newAppServer(t)
	if err := app.EnsureConsoleClient(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	admin, err := a.CreateFirstAdmin(app.UserInput{Username: "root", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return &adminConsole{t: t, a: a, srv: srv, h: console(t, a), admin: admin}
}

// token signs an access token of the console client for sub with
// latchkey:admin; edit may change its claims.
func (c *adminConsole) token(sub string, edit func(*atClaims)) string {
	now := time.Now()
	cl := atClaims{Scope: "openid latchkey:admin", ClientID: app.ConsoleClientID, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: issuer, Subject: sub, Audience: jwt.ClaimStrings{issuer}, ID: "jti-" + base64.RawURLEncoding.EncodeToString([]byte(now.String())),
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}}
	if edit != nil {
		edit(&cl)
	}
	tok, err := c.srv.Keys.Sign("", "at+jwt", cl)
	if err != nil {
		c.t.Fatal(err)
	}
	return tok
}

// call posts to /console/api/<method> from loopback with headers and an
// optional TLS state.
func (c *adminConsole) call(method string, hdr map[string]string, tlsState *tls.ConnectionState) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/console/api/"+method, strings.NewReader("[]"))
	r.RemoteAddr, r.Host, r.TLS = "127.0.0.1:5000", "127.0.0.1:8421", tlsState
	r.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, r)
	return rec
}

// A sender-constrained console token is held to its binding exactly as
// /userinfo and the gateway hold it (issue 16, broken 1): a DPoP-bound
// token needs the DPoP scheme and a fresh proof for this request with
// ath; a certificate-bound one needs that client certificate.
func TestConsoleAttackSenderConstrainedAdminToken(t *testing.T) {
	c := newAdminConsole(t)
	key, other := testsupport.NewDPoPKey(t), testsupport.NewDPoPKey(t)
	bound := c.token(c.admin.ID, func(a *atClaims) { a.Cnf = map[string]any{"jkt": key.JKT} })
	plain := c.token(c.admin.ID, nil)
	u := issuer + "/console/api/Status"
	good := key.Proof("POST", u, bound)
	if rec := c.call("Status", map[string]string{"Authorization": "DPoP " + bound, "DPoP": good}, nil); rec.Code != 200 {
		t.Fatalf("DPoP-bound token with its proof: %d %s", rec.Code, rec.Body)
	}
	for _, tc := range []struct {
		name   string
		hdr    map[string]string
		scheme string
	}{
		{"bound token as Bearer", map[string]string{"Authorization": "Bearer " + bound}, "DPoP"},
		{"bound token as Bearer with a proof", map[string]string{"Authorization": "Bearer " + bound, "DPoP": key.Proof("POST", u, bound)}, "DPoP"},
		{"no proof", map[string]string{"Authorization": "DPoP " + bound}, "DPoP"},
		{"proof without ath", map[string]string{"Authorization": "DPoP " + bound, "DPoP": key.Proof("POST", u, "")}, "DPoP"},
		{"proof with another token's ath", map[string]string{"Authorization": "DPoP " + bound, "DPoP": key.Proof("POST", u, plain)}, "DPoP"},
		{"replayed proof", map[string]string{"Authorization": "DPoP " + bound, "DPoP": good}, "DPoP"},
		{"proof by another key", map[string]string{"Authorization": "DPoP " + bound, "DPoP": other.Proof("POST", u, bound)}, "DPoP"},
		{"proof for another method", map[string]string{"Authorization": "DPoP " + bound, "DPoP": key.Proof("GET", u, bound)}, "DPoP"},
		{"proof for another URL", map[string]string{"Authorization": "DPoP " + bound, "DPoP": key.Proof("POST", issuer+"/userinfo", bound)}, "DPoP"},
		{"proof an hour old", map[string]string{"Authorization": "DPoP " + bound, "DPoP": key.ProofAt(time.Now().Add(-time.Hour), "POST", u, bound)}, "DPoP"},
		{"unbound token with the DPoP scheme", map[string]string{"Authorization": "DPoP " + plain, "DPoP": key.Proof("POST", u, plain)}, "DPoP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := c.call("Status", tc.hdr, nil)
			if rec.Code != 401 || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), tc.scheme+" ") {
				t.Fatalf("status %d, WWW-Authenticate %q: %s", rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body)
			}
		})
	}

	cert := &x509.Certificate{Raw: []byte("the admin's client certificate")}
	sum := sha256.Sum256(cert.Raw)
	mtls := c.token(c.admin.ID, func(a *atClaims) {
		a.Cnf = map[string]any{"x5t#S256": base64.RawURLEncoding.EncodeToString(sum[:])}
	})
	withCert := func(c *x509.Certificate) *tls.ConnectionState {
		return &tls.ConnectionState{PeerCertificates: []*x509.Certificate{c}}
	}
	for _, tc := range []struct {
		name   string
		state  *tls.ConnectionState
		status int
	}{
		{"certificate-bound token with its certificate", withCert(cert), 200},
		{"certificate-bound token without a certificate", nil, 401},
		{"certificate-bound token with another certificate", withCert(&x509.Certificate{Raw: []byte("other")}), 401},
	} {
		if rec := c.call("Status", map[string]string{"Authorization": "Bearer " + mtls}, tc.state); rec.Code != tc.status {
			t.Errorf("%s: %d, want %d: %s", tc.name, rec.Code, tc.status, rec.Body)
		}
	}
}

// Only the console's own sign-in opens the admin API (issue 16, admin
// tokens): a latchkey:admin token of another client is refused, and the
// console's token stops working at sign-out, with its grant.
func TestConsoleAttackAdminTokenOfOtherClientAndSignOut(t *testing.T) {
	c := newAdminConsole(t)
	other := c.token(c.admin.ID, func(a *atClaims) { a.ClientID = "some-app" })
	none := c.token(c.admin.ID, func(a *atClaims) { a.ClientID = "" })
	for name, tok := range map[string]string{"another client": other, "no client_id": none} {
		if rec := c.call("Status", map[string]string{"Authorization": "Bearer " + tok}, nil); rec.Code != 401 {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
		}
	}

	// Two access tokens of one console grant (a sign-in, then a token the
	// same grant issued later): signing out with one ends both.
	exp := time.Now().Add(time.Minute)
	g := authcore.Grant{ID: "grant-1", ClientID: app.ConsoleClientID, UserID: c.admin.ID, Scopes: []string{"openid", app.AdminScope},
		CreatedAt: time.Now(), ExpiresAt: exp, AccessJTIs: []authcore.IssuedToken{{JTI: "at-1", ExpiresAt: exp}, {JTI: "at-2", ExpiresAt: exp}}}
	if err := c.srv.Store.CreateGrant(context.Background(), g, nil); err != nil {
		t.Fatal(err)
	}
	tok := c.token(c.admin.ID, func(a *atClaims) { a.ID = "at-1" })
	sibling := c.token(c.admin.ID, func(a *atClaims) { a.ID = "at-2" })
	unrelated := c.token(c.admin.ID, func(a *atClaims) { a.ID = "at-3" })
	auth := map[string]string{"Authorization": "Bearer " + tok}
	if rec := c.call("Status", auth, nil); rec.Code != 200 {
		t.Fatalf("before sign-out: %d %s", rec.Code, rec.Body)
	}
	if rec := c.call("SignOut", auth, nil); rec.Code != 200 {
		t.Fatalf("sign-out: %d %s", rec.Code, rec.Body)
	}
	for name, tk := range map[string]string{"the token": tok, "its grant's other token": sibling} {
		if rec := c.call("Status", map[string]string{"Authorization": "Bearer " + tk}, nil); rec.Code != 401 {
			t.Errorf("%s works after sign-out: %d %s", name, rec.Code, rec.Body)
		}
	}
	if got, err := c.srv.Store.GetGrant(context.Background(), "grant-1"); err != nil || !got.Revoked {
		t.Errorf("grant after sign-out: %+v %v", got, err)
	}
	// Another sign-in of the same administrator (another tab) goes on.
	if rec := c.call("Status", map[string]string{"Authorization": "Bearer " + unrelated}, nil); rec.Code != 200 {
		t.Errorf("another sign-in ended too: %d %s", rec.Code, rec.Body)
	}
	// The desktop window and the CLI have no token: SignOut is a no-op.
	if err := c.a.SignOut(); err != nil {
		t.Errorf("SignOut without a token: %v", err)
	}
}
