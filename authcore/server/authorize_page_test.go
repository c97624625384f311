package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore/server/servertest"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// TestAuthorizeErrorPageIsBranded: the error page /authorize shows when
// it must not redirect is the sign-in pages' message page (the console's
// key mark, their strict CSP), escaped, and still never a redirect.
func TestAuthorizeErrorPageIsBranded(t *testing.T) {
	_, issuer := servertest.Start(t)
	client := testsupport.NewClient()
	resp, err := client.Get(issuer + "/authorize?client_id=%3Cscript%3Eunknown&response_type=code&redirect_uri=https://evil.example/cb")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	page := string(body)
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want a 4xx error page", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		t.Fatalf("redirected to %s", loc)
	}
	for _, want := range []string{"Authorization error", `<svg class="mark"`, "The request cannot be completed (invalid_"} {
		if !strings.Contains(page, want) {
			t.Errorf("error page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<script") {
		t.Errorf("the client_id came back unescaped:\n%s", page)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
}
