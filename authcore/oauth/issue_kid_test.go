package oauth

import (
	"context"
	"testing"
)

// Each access token a grant records names the key that signed it, so the
// console can list what a key's revocation would reach.
func TestGrantRecordsSigningKid(t *testing.T) {
	e := newEnv(t)
	verifier := "kid-test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
	r := e.redeem(e.web, e.code(e.web, verifier), verifier)
	if r.status != 200 {
		t.Fatalf("redeem: %d %s", r.status, r.raw)
	}
	gs, err := e.store.ListGrants(context.Background())
	if err != nil || len(gs) != 1 || len(gs[0].AccessJTIs) != 1 {
		t.Fatalf("grants: %+v %v", gs, err)
	}
	if got := gs[0].AccessJTIs[0].Kid; got != e.signer.kid {
		t.Fatalf("recorded kid %q, signed with %q", got, e.signer.kid)
	}
	if headerKid("not a jws") != "" || headerKid("!!!.x.y") != "" {
		t.Fatal("headerKid read a kid from garbage")
	}
}
