package federation

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// stateKeySetting holds the key that authenticates state cookies.
const stateKeySetting = "federation.state_key"

// stateTTL bounds a brokered login from start to callback.
const stateTTL = 10 * time.Minute

// pending is a brokered login between start and callback. It travels in
// an HttpOnly cookie authenticated with HMAC-SHA256, which binds the
// callback to the browser that started it (RFC 9700 §4.7: state as a
// CSRF token bound to the user agent).
type pending struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"` // PKCE code_verifier (RFC 7636 §4.1)
	ReturnTo string `json:"r"`
	Expires  int64  `json:"e"`
}

// cookieName is the state cookie's name, with the __Host- prefix when
// cookies are Secure.
func (s *Service) cookieName() string {
	if s.cfg.SecureCookies {
		return "__Host-latchkey_federation"
	}
	return "latchkey_federation"
}

// stateKey returns the cookie key, creating it on first use.
func (s *Service) stateKey(ctx context.Context) ([]byte, error) {
	k, err := s.store.GetSetting(ctx, stateKeySetting)
	if err == nil && len(k) == 32 {
		return k, nil
	}
	if err != nil && !errors.Is(err, authcore.ErrNotFound) {
		return nil, err
	}
	if k, err = s.random(32); err != nil {
		return nil, err
	}
	if err := s.store.PutSetting(ctx, stateKeySetting, k); err != nil {
		return nil, err
	}
	return k, nil
}

// setPending writes the state cookie. SameSite=Lax: the callback is a
// top-level cross-site GET from the provider.
func (s *Service) setPending(ctx context.Context, w http.ResponseWriter, p pending) error {
	key, err := s.stateKey(ctx)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(p)
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	v := base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: v, Path: "/", MaxAge: int(stateTTL / time.Second),
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	return nil
}

// takePending reads and clears the state cookie; a missing, forged or
// expired cookie is an error.
func (s *Service) takePending(ctx context.Context, w http.ResponseWriter, r *http.Request) (pending, error) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	bad := refuse(ReasonState, errors.New("federation: state cookie missing, forged or expired"))
	c, err := r.Cookie(s.cookieName())
	if err != nil || len(c.Value) > 4096 {
		return pending{}, bad
	}
	body64, mac64, ok := strings.Cut(c.Value, ".")
	body, err1 := base64.RawURLEncoding.DecodeString(body64)
	sum, err2 := base64.RawURLEncoding.DecodeString(mac64)
	if !ok || err1 != nil || err2 != nil {
		return pending{}, bad
	}
	key, err := s.stateKey(ctx)
	if err != nil {
		return pending{}, unavailable(ReasonStorage, err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	var p pending
	if !hmac.Equal(sum, mac.Sum(nil)) || json.Unmarshal(body, &p) != nil || s.now().Unix() > p.Expires {
		return pending{}, bad
	}
	return p, nil
}
