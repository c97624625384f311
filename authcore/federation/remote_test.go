package federation

import "testing"

// ForgetAll drops every provider's cached discovery and keys (a node
// calls it when another node changed a provider), so the next use
// fetches them afresh.
func TestForgetAll(t *testing.T) {
	e := newFedEnv(t, nil)
	first := e.s.remoteFor(e.p.Issuer)
	if again := e.s.remoteFor(e.p.Issuer); again != first {
		t.Fatal("the cache of a provider is not kept between uses")
	}
	e.s.ForgetAll()
	if after := e.s.remoteFor(e.p.Issuer); after == first {
		t.Fatal("ForgetAll kept the provider's cached discovery and keys")
	}
}
