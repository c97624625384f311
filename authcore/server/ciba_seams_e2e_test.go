package server_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// CIBA where it meets pairwise subjects: the ID token, the access token
// and a later id_token_hint all name the user by the client's pairwise
// sub, never by the local user id.
func TestCIBAPairwiseClient(t *testing.T) {
	e := newCIBAEnv(t)
	id, secret := e.client("Teller", "poll", "", func(s *oauthSpec) {
		s.SubjectType = authcore.SubjectPairwise
		s.RedirectURIs = []string{"https://teller.example/cb"}
		s.GrantTypes = append(s.GrantTypes, authcore.GrantAuthorizationCode)
	})
	ar := e.start(id, secret, url.Values{"scope": {"openid"}, "login_hint": {"alice"}})
	b := e.approve()
	e.clk.Advance(6 * time.Second)
	st, tok := e.poll(id, secret, ar)
	if st != 200 {
		t.Fatalf("redemption: %d %v", st, tok)
	}
	_, idc := testsupport.DecodeJWT(t, tok["id_token"].(string))
	_, atc := testsupport.DecodeJWT(t, tok["access_token"].(string))
	if idc["sub"] == e.alice.ID || idc["sub"] == "" || atc["sub"] != idc["sub"] {
		t.Fatalf("pairwise client: ID token sub %v, access token sub %v, local id %s", idc["sub"], atc["sub"], e.alice.ID)
	}
	e.start(id, secret, url.Values{"scope": {"openid"}, "id_token_hint": {tok["id_token"].(string)}})
	if _, ids := e.pending(b); len(ids) != 1 {
		t.Fatalf("the pairwise id_token_hint did not name alice: %v", ids)
	}
}

// A user disabled after approving a backchannel request gets no tokens
// from it: disabling shuts the account everywhere, not only at sign-in.
func TestCIBADisabledAfterApproval(t *testing.T) {
	e := newCIBAEnv(t)
	id, secret := e.client("Teller", "poll", "")
	ar := e.start(id, secret, url.Values{"scope": {"openid"}, "login_hint": {"alice"}})
	e.approve()
	if err := e.srv.Login.SetDisabled(context.Background(), e.alice.ID, true); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(6 * time.Second)
	if st, m := e.poll(id, secret, ar); st != 400 || m["error"] != "access_denied" {
		t.Fatalf("redemption for a disabled user: %d %v, want access_denied", st, m)
	}
}
