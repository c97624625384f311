package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestMetadataGolden compares the RFC 8414 document with
// testdata/metadata.golden (go test -update rewrites it).
func TestMetadataGolden(t *testing.T) {
	store := newStore(t)
	c := &clock{}
	srv, err := New(context.Background(), Config{Issuer: "https://as.example", Store: store,
		Signer: newFakeSigner(c.Now), Interaction: &fakeUI{}, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.EnsureDefaultScopes(context.Background()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Mount(mux)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/.well-known/oauth-authorization-server", nil))
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(doc, "", "  ")
	got = append(got, '\n')
	const golden = "testdata/metadata.golden"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("metadata differs from %s:\n%s", golden, got)
	}
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("POST", "/.well-known/oauth-authorization-server", nil))
	if w.Code != 405 || w.Header().Get("Allow") == "" {
		t.Fatalf("POST metadata: %d %v", w.Code, w.Header())
	}
}
