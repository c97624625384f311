package flow

import (
	"context"
	"testing"
)

// The code flow with a JARM response (response_mode=jwt) against the real
// server: the authorization response step shows the decoded response JWT,
// verified with the issuer's JWKS, with iss, aud and exp checked, and its
// code is redeemed. Modes the loopback listener cannot receive are
// refused up front.
func TestLatchkeyJARMCodeFlow(t *testing.T) {
	lk := newLatchkey(t)
	tr, err := lk.run(Options{ClientID: lk.web.ID, ClientSecret: lk.webKey, Flow: FlowAuthorizationCode, ResponseMode: "jwt"})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var found bool
	for _, s := range tr.Steps {
		if s.Name != "Authorization response (loopback redirect)" {
			continue
		}
		found = true
		if len(s.Tokens) != 1 || s.Tokens[0].Name != "JARM response" || s.Tokens[0].Signature == nil ||
			!s.Tokens[0].Signature.Verified || s.Tokens[0].Claims["aud"] != lk.web.ID {
			t.Fatalf("JARM step tokens %+v", s.Tokens)
		}
		for _, c := range s.Checks {
			if !c.OK {
				t.Errorf("check %s failed: %s", c.Name, c.Detail)
			}
		}
	}
	if !found || tr.Error != "" {
		t.Fatalf("no authorization response step or error %q", tr.Error)
	}
	if _, err := Run(context.Background(), Options{Issuer: lk.issuer, ClientID: lk.web.ID, Flow: FlowAuthorizationCode,
		ResponseMode: "form_post.jwt"}); err == nil {
		t.Fatal("form_post.jwt accepted for a loopback listener")
	}
}
