package cli

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"syscall"
	"testing"

	"github.com/latchkey/latchkey/authcore/testsupport"
)

// loadClient spreads OAuth traffic over a testCluster's nodes, as a
// client behind a list of node addresses would: each call goes to a
// random node and, after a connection error, to the next one. It keeps
// what the nodes acknowledged (a 200), so the test can check afterwards
// that nothing acknowledged was lost.
type loadClient struct {
	c                              *testCluster
	web, webSecret, svc, svcSecret string
	user, password                 string

	mu       sync.Mutex
	problems []string
	spent    map[string]bool // refresh tokens and codes acknowledged as used
	revoked  []string        // access tokens whose revocation was acknowledged
	counts   map[string]int
}

// answer is the outcome of one call: status and body of the node that
// answered, and whether an earlier attempt may have reached a node
// (a connection cut after the request was sent: its outcome is unknown).
type answer struct {
	status  int
	body    map[string]any
	unknown bool
	err     error // every node failed
}

// call posts form to path at a random node, then the next ones after a
// connection error.
func (l *loadClient) call(path, id, secret string, form url.Values) answer {
	var a answer
	start := rand.IntN(len(l.c.nodes))
	for i := range len(l.c.nodes) {
		nd := l.c.nodes[(start+i)%len(l.c.nodes)]
		st, body, err := formCall(nd.url+path, id, secret, form)
		if err == nil {
			a.status, a.body, a.err = st, body, nil
			return a
		}
		a.err = err
		if !errors.Is(err, syscall.ECONNREFUSED) {
			a.unknown = true
		}
	}
	return a
}

func (l *loadClient) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.problems) < 20 {
		l.problems = append(l.problems, fmt.Sprintf(format, args...))
	}
}

func (l *loadClient) count(what string) {
	l.mu.Lock()
	l.counts[what]++
	l.mu.Unlock()
}

// spend records that the node acknowledged using token (a code or a
// refresh token); a second acknowledgement is a token used twice.
func (l *loadClient) spend(kind, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.spent[token] {
		l.problems = append(l.problems, kind+" used twice")
	}
	l.spent[token] = true
}

// family is one refresh-token family of the load: its current token,
// and whether a rotation's answer was lost (then the family may rightly
// have been revoked by our own retry, as a replay).
type family struct {
	cur     string
	tainted bool
}

// newFamily signs in through the balancer (the SSO cookie of br after
// the first time) and redeems the code at a random node; on a lost
// answer it starts over. It also checks that the code is single use
// across nodes.
func (l *loadClient) newFamily(t *testing.T, br *testsupport.Browser) (*family, bool) {
	v := randomVerifier()
	s, err := br.TrySignIn(l.c.issuer, authorizeURL(l.c.issuer, l.web, "st", pkceChallenge(v)), l.user, l.password)
	if err != nil || s.Redirect == nil {
		return nil, false // a node died under the browser: try again
	}
	code := s.Redirect.Query().Get("code")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {webRedirect}, "code_verifier": {v}}
	a := l.call("/token", l.web, l.webSecret, form)
	switch {
	case a.err != nil || a.unknown:
		return nil, false
	case a.status != 200:
		l.problem("code redemption: %d %v", a.status, a.body)
		return nil, false
	}
	l.spend("code", code)
	l.count("code")
	if again := l.call("/token", l.web, l.webSecret, form); again.err == nil && again.status == 200 {
		l.problem("code redeemed twice (second at another node)")
	}
	rt, _ := a.body["refresh_token"].(string)
	// The replayed code revoked this family (OAuth 2.1 §4.1.3): one more
	// sign-in gives the family the load rotates.
	s, err = br.TrySignIn(l.c.issuer, authorizeURL(l.c.issuer, l.web, "st", pkceChallenge(v)), l.user, l.password)
	if err != nil || s.Redirect == nil || rt == "" {
		return nil, false
	}
	form.Set("code", s.Redirect.Query().Get("code"))
	if a = l.call("/token", l.web, l.webSecret, form); a.err != nil || a.unknown || a.status != 200 {
		return nil, false
	}
	l.spend("code", form.Get("code"))
	rt, _ = a.body["refresh_token"].(string)
	return &family{cur: rt}, rt != ""
}

// rotate rotates f once. It reports false when the family ended (our
// own retry of a lost rotation replayed it) and a new one is needed.
func (l *loadClient) rotate(f *family) bool {
	a := l.call("/token", l.web, l.webSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {f.cur}})
	f.tainted = f.tainted || a.unknown
	switch {
	case a.err != nil:
		return true // no node answered; the same token is tried again
	case a.status == 200:
		next, _ := a.body["refresh_token"].(string)
		l.spend("refresh token", f.cur)
		l.count("refresh")
		f.cur = next
		return true
	case a.status == 400 && a.body["error"] == "invalid_grant" && f.tainted:
		return false
	}
	l.problem("rotation of an acknowledged refresh token: %d %v (tainted %v)", a.status, a.body, f.tainted)
	return false
}

// revokeOne gets a client_credentials token at one node and revokes it
// at another.
func (l *loadClient) revokeOne() {
	a := l.call("/token", l.svc, l.svcSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}})
	if a.err != nil {
		return
	}
	if a.status != 200 {
		l.problem("client_credentials: %d %v", a.status, a.body)
		return
	}
	l.count("client_credentials")
	tok, _ := a.body["access_token"].(string)
	r := l.call("/revoke", l.svc, l.svcSecret, url.Values{"token": {tok}})
	switch {
	case r.err != nil:
	case r.status == 200:
		l.mu.Lock()
		l.revoked = append(l.revoked, tok)
		l.mu.Unlock()
		l.count("revocation")
	default:
		l.problem("revocation: %d %v", r.status, r.body)
	}
}
