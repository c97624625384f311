package testsupport

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// WriteAnswer appends a recorded answer to b, as golden files of error
// answers hold them: a "## name" line, the status, each of headers that is
// set, and the body.
func WriteAnswer(b *strings.Builder, name string, rec *httptest.ResponseRecorder, headers ...string) {
	fmt.Fprintf(b, "## %s\n%d\n", name, rec.Code)
	for _, h := range headers {
		if v := rec.Header().Get(h); v != "" {
			fmt.Fprintf(b, "%s: %s\n", h, v)
		}
	}
	fmt.Fprintf(b, "%s\n", rec.Body)
}

// Golden compares text with the file at path, byte for byte; with update
// set (a test's -update flag) it rewrites the file first.
func Golden(t testing.TB, path, text string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal([]byte(text), want) {
		t.Fatalf("%s differs:\n%s", path, text)
	}
}
