package oauth

import (
	"slices"
	"testing"
)

// TestAlgorithmListsAreCopies: what AssertionAlgorithms,
// RequestObjectAlgorithms and the metadata document hand out are copies,
// so a caller that writes into them (here: "none" and "HS256") does not
// change what the server accepts or advertises next.
func TestAlgorithmListsAreCopies(t *testing.T) {
	e := newEnv(t)
	want := []string{"ES256", "PS256", "EdDSA", "RS256"}
	meta := e.srv.Metadata(t.Context())
	handedOut := [][]string{AssertionAlgorithms(), RequestObjectAlgorithms()}
	for _, k := range []string{"token_endpoint_auth_signing_alg_values_supported",
		"introspection_endpoint_auth_signing_alg_values_supported", "request_object_signing_alg_values_supported"} {
		algs, ok := meta[k].([]string)
		if !ok || !slices.Equal(algs, want) {
			t.Fatalf("%s = %v, want %v", k, meta[k], want)
		}
		handedOut = append(handedOut, algs)
	}
	for _, algs := range handedOut {
		algs[0], algs[len(algs)-1] = "none", "HS256"
	}
	for name, got := range map[string][]string{
		"AssertionAlgorithms":     AssertionAlgorithms(),
		"RequestObjectAlgorithms": RequestObjectAlgorithms(),
		"metadata token":          e.srv.Metadata(t.Context())["token_endpoint_auth_signing_alg_values_supported"].([]string),
		"metadata request object": e.srv.Metadata(t.Context())["request_object_signing_alg_values_supported"].([]string),
		"accepted":                assertionAlgorithms,
	} {
		if !slices.Equal(got, want) {
			t.Errorf("%s = %v after a caller wrote into a copy, want %v", name, got, want)
		}
	}
}
