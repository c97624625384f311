package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fakeSigner is a one-key ES256 Signer with the keys.Manager semantics
// this package relies on.
type fakeSigner struct {
	key     *ecdsa.PrivateKey
	kid     string
	now     func() time.Time
	mu      sync.Mutex
	revoked bool
}

func newFakeSigner(now func() time.Time) *fakeSigner {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return &fakeSigner{key: k, kid: "k1", now: now}
}

func (f *fakeSigner) Sign(alg, typ string, claims jwt.Claims) (string, error) {
	if alg != "" && alg != "ES256" {
		return "", errors.New("fake: unsupported alg")
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["kid"], t.Header["typ"] = f.kid, typ
	return t.SignedString(f.key)
}

func (f *fakeSigner) Verify(token, typ string, claims jwt.Claims) (string, error) {
	t, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if t.Header["kid"] != f.kid || f.revoked {
			return nil, errors.New("fake: unknown or revoked key")
		}
		return &f.key.PublicKey, nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithLeeway(30*time.Second),
		jwt.WithTimeFunc(f.now), jwt.WithExpirationRequired())
	if err != nil {
		return "", err
	}
	if t.Header["typ"] != typ {
		return "", errors.New("fake: wrong typ")
	}
	return f.kid, nil
}

func (f *fakeSigner) revokeKey() { f.mu.Lock(); f.revoked = true; f.mu.Unlock() }

// fakeUI is an Interaction whose "login page" (/login) signs in the user
// named by the login query parameter (default alice) with a cookie, and
// whose "consent page" (/consent) allows or denies as told.
type fakeUI struct {
	store  authcore.Storage
	now    func() time.Time
	authz  func() *Authorizer
	mu     sync.Mutex
	deny   bool
	logins int
	asked  int
}

func (f *fakeUI) Session(r *http.Request) (authcore.Session, bool) {
	c, err := r.Cookie("sid")
	if err != nil || c.Value == "" {
		return authcore.Session{}, false
	}
	return authcore.Session{ID: "s-" + c.Value, UserID: c.Value, AuthTime: f.now()}, true
}

func (f *fakeUI) RedirectToLogin(w http.ResponseWriter, r *http.Request, returnTo string) {
	f.mu.Lock()
	f.logins++
	f.mu.Unlock()
	http.Redirect(w, r, "/login?return_to="+url.QueryEscape(returnTo), http.StatusSeeOther)
}

func (f *fakeUI) RedirectToConsent(w http.ResponseWriter, r *http.Request, returnTo string) {
	f.mu.Lock()
	f.asked++
	f.mu.Unlock()
	http.Redirect(w, r, "/consent?return_to="+url.QueryEscape(returnTo), http.StatusSeeOther)
}

func (f *fakeUI) RedirectToStepUp(w http.ResponseWriter, r *http.Request, returnTo string) {
	http.Redirect(w, r, "/login/mfa?return_to="+url.QueryEscape(returnTo), http.StatusSeeOther)
}

func (f *fakeUI) setDeny(d bool) { f.mu.Lock(); f.deny = d; f.mu.Unlock() }

// mount adds the fake login and consent pages to mux.
func (f *fakeUI) mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		user := r.URL.Query().Get("login")
		if user == "" {
			user = "alice"
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: user, Path: "/"})
		http.Redirect(w, r, r.URL.Query().Get("return_to"), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /consent", func(w http.ResponseWriter, r *http.Request) {
		back := r.URL.Query().Get("return_to")
		f.mu.Lock()
		deny := f.deny
		f.mu.Unlock()
		if deny {
			f.authz().DenyConsent(w, r, back)
			return
		}
		sess, _ := f.Session(r)
		u, _ := url.Parse(back)
		q := u.Query()
		scopes, _ := parseScope(q.Get("scope"))
		_ = f.store.SaveConsent(r.Context(), authcore.Consent{UserID: sess.UserID,
			ClientID: q.Get("client_id"), Scopes: scopes, CreatedAt: f.now()})
		http.Redirect(w, r, back, http.StatusSeeOther)
	})
}

// recorder keeps audit events.
type recorder struct {
	mu     sync.Mutex
	events []audit.Event
}

func (r *recorder) Record(_ context.Context, e audit.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) count(t audit.Type) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Type == t {
			n++
		}
	}
	return n
}

func (r *recorder) all() []audit.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]audit.Event(nil), r.events...)
}
