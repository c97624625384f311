package federation

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore/store/badger"
)

// stateCookie runs setPending and returns the cookie it set.
func (e *fedEnv) stateCookie(t *testing.T, p pending) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	if err := e.s.setPending(t.Context(), w, p); err != nil {
		t.Fatal(err)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("set %d cookies", len(cs))
	}
	return cs[0]
}

// take runs takePending on a callback request carrying c (nil: none).
func (e *fedEnv) take(t *testing.T, s *Service, c *http.Cookie) (pending, *http.Cookie, error) {
	t.Helper()
	r := httptest.NewRequest("GET", "/federation/callback?state=x", nil)
	if c != nil {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	p, err := s.takePending(t.Context(), w, r)
	cleared := w.Result().Cookies()
	if len(cleared) != 1 {
		t.Fatalf("takePending set %d cookies, want the one that clears it", len(cleared))
	}
	return p, cleared[0], err
}

// TestStateCookie: the brokered-login state survives the round trip
// exactly, is cleared when read, and is refused when any byte of it is
// changed, when it is signed by another key, and once it is older than
// stateTTL (on the injected clock).
func TestStateCookie(t *testing.T) {
	e := newFedEnv(t, nil)
	want := pending{Provider: "corp", State: "st-1", Nonce: "n-1", Verifier: "v-1", ReturnTo: "/authorize?client_id=a",
		Expires: e.clk.Now().Add(stateTTL).Unix()}
	good := e.stateCookie(t, want)
	if good.Name != "latchkey_federation" || !good.HttpOnly || good.Secure || good.SameSite != http.SameSiteLaxMode ||
		good.Path != "/" || good.MaxAge != int(stateTTL/time.Second) {
		t.Fatalf("cookie attributes: %+v", good)
	}
	got, cleared, err := e.take(t, e.s, good)
	if err != nil || got != want {
		t.Fatalf("round trip: %+v %v, want %+v", got, err, want)
	}
	if cleared.Name != good.Name || cleared.MaxAge >= 0 || cleared.Value != "" {
		t.Fatalf("the cookie is not cleared: %+v", cleared)
	}

	body, mac, _ := strings.Cut(good.Value, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	forged := strings.Replace(string(raw), `"p":"corp"`, `"p":"evil"`, 1)
	other := newFedEnv(t, nil) // same shape, its own store and key
	tampered := map[string]string{
		"body changed, mac kept":  base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + mac,
		"mac byte changed":        body + "." + flipAt(mac, 10),
		"mac cut":                 body + "." + mac[:len(mac)-2],
		"no mac":                  body,
		"empty mac":               body + ".",
		"padded base64":           body + "=." + mac,
		"not base64":              "!!!." + mac,
		"other service's cookie":  other.stateCookie(t, want).Value,
		"empty":                   "",
		"longer than 4096 bytes":  strings.Repeat("a", 4097),
		"mac of the empty string": "." + mac,
	}
	for name, v := range tampered {
		c := &http.Cookie{Name: good.Name, Value: v}
		if _, _, err := e.take(t, e.s, c); ReasonOf(err) != ReasonState {
			t.Errorf("%s: %v, want %s", name, err, ReasonState)
		}
	}
	if _, _, err := e.take(t, e.s, nil); ReasonOf(err) != ReasonState {
		t.Errorf("no cookie: %v", err)
	}
	if _, _, err := e.take(t, e.s, &http.Cookie{Name: "__Host-latchkey_federation", Value: good.Value}); ReasonOf(err) != ReasonState {
		t.Errorf("under the Secure name on a non-Secure service: %v", err)
	}
}

// TestStateCookieExpiry: valid up to and including its Expires second,
// refused one second later.
func TestStateCookieExpiry(t *testing.T) {
	e := newFedEnv(t, nil)
	c := e.stateCookie(t, pending{Provider: "corp", State: "s", Expires: e.clk.Now().Add(stateTTL).Unix()})
	e.clk.Advance(stateTTL)
	if _, _, err := e.take(t, e.s, c); err != nil {
		t.Fatalf("at its expiry: %v", err)
	}
	e.clk.Advance(time.Second)
	if _, _, err := e.take(t, e.s, c); ReasonOf(err) != ReasonState {
		t.Fatalf("a second later: %v", err)
	}
}

// TestStateCookieKey: the key is made once and kept in the store, so a
// restarted service (a new Service on the same store) reads a cookie set
// before the restart; Secure cookies carry the __Host- prefix.
func TestStateCookieKey(t *testing.T) {
	e := newFedEnv(t, nil)
	p := pending{Provider: "corp", State: "s", Expires: e.clk.Now().Add(stateTTL).Unix()}
	c := e.stateCookie(t, p)
	restarted, err := New(Config{Issuer: "https://as.example", Store: e.st, Now: e.clk.Now, SecureCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	c.Name = "__Host-latchkey_federation"
	if got, cleared, err := e.take(t, restarted, c); err != nil || got != p || !cleared.Secure || cleared.Name != c.Name {
		t.Fatalf("after a restart: %+v %v, cleared %+v", got, err, cleared)
	}
	key, err := e.st.GetSetting(t.Context(), stateKeySetting)
	if err != nil || len(key) != 32 {
		t.Fatalf("stored key: %d bytes, %v", len(key), err)
	}
}

// TestStateCookieStoreDown: a store that cannot give the key is a
// temporary failure, not a forged cookie.
func TestStateCookieStoreDown(t *testing.T) {
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Issuer: "https://as.example", Store: st})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := s.setPending(t.Context(), w, pending{Expires: time.Now().Add(time.Minute).Unix()}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	r := httptest.NewRequest("GET", "/federation/callback", nil)
	r.AddCookie(w.Result().Cookies()[0])
	if _, err := s.takePending(t.Context(), httptest.NewRecorder(), r); ReasonOf(err) != ReasonStorage {
		t.Fatalf("store closed: %v, want %s", err, ReasonStorage)
	}
}

// flipAt changes the base64 character at i (not the last one, whose
// spare bits a lenient decoder ignores).
func flipAt(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
