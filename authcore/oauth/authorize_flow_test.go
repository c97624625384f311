package oauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/audit"
)

// TestAuthorizeInteraction: no session sends the user to login with
// returnTo = /authorize?<original query>; POST /authorize works from its
// form body; Deny answers access_denied with state and iss; error pages
// escape and never set CORS headers.
func TestAuthorizeInteraction(t *testing.T) {
	e := newEnv(t)
	v := oauth2.GenerateVerifier()
	q := authParams(e.web, v)
	t.Run("login returnTo", func(t *testing.T) {
		resp, err := noFollow().Get(e.ts.URL + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		back := loc.Query().Get("return_to")
		if resp.StatusCode != 303 || loc.Path != "/login" || !strings.HasPrefix(back, "/authorize?") {
			t.Fatalf("%d %s", resp.StatusCode, loc)
		}
		bq, _ := url.ParseQuery(strings.TrimPrefix(back, "/authorize?"))
		for k := range q {
			if bq.Get(k) != q.Get(k) {
				t.Fatalf("returnTo lost %s: %s", k, back)
			}
		}
	})
	t.Run("POST form", func(t *testing.T) {
		resp, err := e.browser().PostForm(e.ts.URL+"/authorize", q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || loc.Query().Get("code") == "" {
			t.Fatalf("%d %s", resp.StatusCode, loc)
		}
	})
	t.Run("deny", func(t *testing.T) {
		e.ui.setDeny(true)
		defer e.ui.setDeny(false)
		dq := authParams(e.native, v)
		resp := e.authorize(dq.Encode())
		loc, _ := url.Parse(resp.Header.Get("Location"))
		got := loc.Query()
		if resp.StatusCode != 303 || got.Get("error") != "access_denied" || got.Get("state") != "st" ||
			got.Get("iss") != e.ts.URL || got.Get("code") != "" {
			t.Fatalf("%d %s", resp.StatusCode, loc)
		}
		if e.rec.count(audit.ConsentDenied) != 1 {
			t.Fatal("no consent.denied event")
		}
	})
	t.Run("deny re-validates returnTo", func(t *testing.T) {
		for _, back := range []string{"https://evil.example/authorize?x", "/authorize?client_id=" + e.web.ID + "&redirect_uri=https://evil.example/cb", "/other?client_id=" + e.web.ID} {
			w := &recorderWriter{h: http.Header{}}
			e.srv.Authorizer().DenyConsent(w, httptestRequest(), back)
			if w.code != 400 || w.h.Get("Location") != "" {
				t.Fatalf("%s: %d %v", back, w.code, w.h)
			}
		}
	})
	t.Run("error page escapes, no CORS", func(t *testing.T) {
		req, _ := http.NewRequest("GET", e.ts.URL+"/authorize?client_id=%3Cscript%3Ealert(1)%3C/script%3E", nil)
		req.Header.Set("Origin", "https://evil.example")
		resp, err := noFollow().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		if resp.StatusCode != 400 || strings.Contains(b.String(), "<script>") {
			t.Fatalf("%d %s", resp.StatusCode, b.String())
		}
		checkPageHeaders(t, resp.Header)
	})
	t.Run("other methods", func(t *testing.T) {
		req, _ := http.NewRequest("PUT", e.ts.URL+"/authorize", nil)
		resp, err := noFollow().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || !strings.Contains(resp.Header.Get("Allow"), "POST") {
			t.Fatalf("%d %v", resp.StatusCode, resp.Header)
		}
	})
}

// recorderWriter is a minimal ResponseWriter for direct handler calls.
type recorderWriter struct {
	h    http.Header
	code int
}

func (w *recorderWriter) Header() http.Header         { return w.h }
func (w *recorderWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *recorderWriter) WriteHeader(c int)           { w.code = c }

func httptestRequest() *http.Request {
	r, _ := http.NewRequest("GET", "http://as.example/consent", nil)
	return r
}
