package testsupport

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeAS is an authorization server of pages only: /authorize sends to
// /login until the login form is posted, then to /consent until Allow is
// posted, then to the client; consent is what /consent serves.
func fakeAS(t *testing.T, consent string) *httptest.Server {
	t.Helper()
	loggedIn, allowed := false, false
	form := `<input type="hidden" name="csrf_token" value="tok&amp;1"><input type="hidden" name="return_to" value="/authorize">`
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Get("loop") != "":
			http.Redirect(w, r, r.URL.String(), http.StatusSeeOther)
		case r.URL.Query().Get("found") != "":
			http.Redirect(w, r, "/login", http.StatusFound)
		case !loggedIn:
			http.Redirect(w, r, "/login", http.StatusSeeOther)
		case !allowed:
			http.Redirect(w, r, "/consent", http.StatusSeeOther)
		default:
			http.Redirect(w, r, "http://127.0.0.1:9/cb?code=c", http.StatusSeeOther)
		}
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(form + `<input id="username" name="username" type="text" value="al&amp;ice">`))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("csrf_token") != "tok&1" || r.PostFormValue("username") != "alice" || r.PostFormValue("password") != "pw" {
			http.Error(w, "bad login", http.StatusBadRequest)
			return
		}
		loggedIn = true
		http.Redirect(w, r, r.PostFormValue("return_to"), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /consent", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(consent)) })
	mux.HandleFunc("POST /consent", func(w http.ResponseWriter, r *http.Request) {
		allowed = r.PostFormValue("decision") == "allow" && r.PostFormValue("csrf_token") == "tok&1"
		http.Redirect(w, r, "/authorize", http.StatusSeeOther)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

const consentPage = `<input type="hidden" name="csrf_token" value="tok&amp;1">` +
	`<button name="decision" value="deny">Deny</button><button name="decision" value="allow">Allow</button>`

// SignIn posts the login form with the unescaped CSRF token and the
// credentials, allows on the consent page and stops at the client.
func TestSignIn(t *testing.T) {
	srv := fakeAS(t, consentPage)
	s := NewBrowser(t).SignIn(srv.URL, srv.URL+"/authorize", "alice", "pw")
	if s.Redirect.String() != "http://127.0.0.1:9/cb?code=c" || s.Prefill != "al&ice" || s.Logins != 1 {
		t.Fatalf("%+v", s)
	}
}

// Each way a walk goes wrong is an error, not a redirect.
func TestTrySignInRefuses(t *testing.T) {
	for _, tc := range []struct{ name, consent, query, password, want string }{
		{"bad password", consentPage, "", "nope", "unexpected 400"},
		{"302", consentPage, "found=1", "pw", "unexpected 302"},
		{"loop", consentPage, "loop=1", "pw", "too many redirects"},
		{"no buttons", `<input type="hidden" name="csrf_token" value="x">`, "", "pw", "lacks its buttons"},
		{"no csrf", "<button>Deny</button><button>Allow</button>", "", "pw", "no CSRF field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakeAS(t, tc.consent)
			s, err := NewBrowser(t).TrySignIn(srv.URL, srv.URL+"/authorize?"+tc.query, "alice", tc.password)
			if err == nil || !strings.Contains(err.Error(), tc.want) || s.Redirect != nil {
				t.Fatalf("%+v %v, want %q", s, err, tc.want)
			}
		})
	}
}

func TestFormFields(t *testing.T) {
	v, ok := FormFields(`<input type="hidden" name="return_to" value="/a?b=1&amp;c=2"><input name="user_code" value="X">`)
	if ok || v.Get("return_to") != "/a?b=1&c=2" || v.Has("user_code") {
		t.Fatalf("%v %v", v, ok)
	}
}
