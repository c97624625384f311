package testsupport

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// DecodeJWT decodes a compact JWS's header and claims without verifying
// the signature, failing the test unless it has three parts whose first
// two are base64url JSON objects.
func DecodeJWT(t testing.TB, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", tok)
	}
	for i, into := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, into) != nil {
			t.Fatalf("bad segment %d of %q", i, tok)
		}
	}
	return header, claims
}
