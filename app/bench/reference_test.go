package bench

import (
	"context"
	"encoding/base64"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReferenceServer starts node-oidc-provider in both modes the way
// lkbench does and checks that it issues what the comparison assumes:
// opaque tokens that introspect active, and ES256 JWTs.
func TestReferenceServer(t *testing.T) {
	dir := filepath.Join("oidcref")
	if err := checkReference(dir); err != nil {
		t.Fatalf("%v (make test-deps runs make bench-deps)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cred := newRefCredentials()
	hc := &http.Client{Timeout: 10 * time.Second}
	logPath := filepath.Join(t.TempDir(), "ref.log")

	srv, err := StartReference(ctx, dir, logPath, "opaque", cred)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	w := &Worker{Client: hc}
	if err := ClientCredentials(srv.URL, cred, ccScope)(ctx, w); err != nil {
		t.Fatal(err)
	}
	toks, err := MintAccessTokens(ctx, srv.URL, cred, ccScope, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(toks[0], ".") == 2 {
		t.Fatalf("opaque mode issued a JWT: %s", toks[0])
	}
	w.Rand = newRand()
	if err := introspectAt(srv.URL+"/token/introspection", cred, toks)(ctx, w); err != nil {
		t.Fatal(err)
	}
	bad := Credentials{ID: cred.ID, Secret: "wrong"}
	if _, err := MintAccessTokens(ctx, srv.URL, bad, ccScope, 1, 1); err == nil {
		t.Fatal("the reference server accepted a wrong client secret")
	}
	srv.Stop()

	jwt, err := StartReference(ctx, dir, logPath, "jwt", cred)
	if err != nil {
		t.Fatal(err)
	}
	defer jwt.Stop()
	toks, err = MintAccessTokens(ctx, jwt.URL, cred, ccScope, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(toks[0], ".")
	if len(parts) != 3 {
		t.Fatalf("jwt mode issued %q", toks[0])
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if !strings.Contains(string(hdr), `"alg":"ES256"`) {
		t.Fatalf("jwt mode header %s, want ES256", hdr)
	}
}
