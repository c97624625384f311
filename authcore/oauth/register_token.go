package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// Initial access tokens (RFC 7591 §3): "lkr_" + base64url(id ‖ exp) + "." +
// base64url(HMAC-SHA256(pepper, payload)). They are verified without a
// lookup and are single use: the first registration records the id with
// authcore.Nonces.UseOnce until exp, durably.
const (
	initialTokenPrefix   = "lkr_"
	nonceKindInitialIAT  = "registration_iat"
	maxInitialTokenTTL   = 30 * 24 * time.Hour
	DefaultInitialIATTTL = 24 * time.Hour
)

// CreateInitialAccessToken returns a new single-use initial access token
// for POST /register (RFC 7591 §3, §1.2) that expires after ttl (<= 0:
// DefaultInitialIATTTL; at most 30 days). It is shown once and stored
// nowhere; the console and `latchkey client registration-token create`
// call it.
func (s *Server) CreateInitialAccessToken(ctx context.Context, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		ttl = DefaultInitialIATTTL
	}
	if ttl > maxInitialTokenTTL {
		return "", errors.New("oauth: initial access tokens live at most 30 days")
	}
	id, err := s.randomBytes(16)
	if err != nil {
		return "", err
	}
	payload := binary.BigEndian.AppendUint64(id, uint64(s.now().Add(ttl).Unix()))
	enc := base64.RawURLEncoding
	return initialTokenPrefix + enc.EncodeToString(payload) + "." + enc.EncodeToString(s.initialMAC(payload)), nil
}

func (s *Server) initialMAC(payload []byte) []byte {
	m := hmac.New(sha256.New, s.pepper)
	m.Write([]byte("registration-iat\x00"))
	m.Write(payload)
	return m.Sum(nil)
}

// useInitialAccessToken checks and spends the request's initial access
// token. Any failure is 401 invalid_token with a Bearer challenge (RFC
// 6750 §3.1); a missing token gets the challenge without an error code.
func (s *Server) useInitialAccessToken(ctx context.Context, r *http.Request) error {
	tok, ok := bearerToken(r)
	if !ok {
		return errBearer("", "an initial access token is required")
	}
	bad := errBearer(CodeInvalidToken, "the initial access token is invalid, expired or used")
	body, mac, found := strings.Cut(strings.TrimPrefix(tok, initialTokenPrefix), ".")
	enc := base64.RawURLEncoding.Strict()
	payload, err1 := enc.DecodeString(body)
	sig, err2 := enc.DecodeString(mac)
	if !strings.HasPrefix(tok, initialTokenPrefix) || !found || err1 != nil || err2 != nil || len(payload) != 24 ||
		!hmac.Equal(sig, s.initialMAC(payload)) {
		return bad
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[16:])), 0)
	if !s.now().Before(exp) {
		return bad
	}
	switch err := s.store.UseOnce(ctx, nonceKindInitialIAT, base64.RawURLEncoding.EncodeToString(payload[:16]), exp); {
	case errors.Is(err, authcore.ErrConsumed):
		return bad
	case err != nil:
		return unavailable(err)
	}
	return nil
}

// bearerToken is the token of a single Authorization: Bearer header.
func bearerToken(r *http.Request) (string, bool) {
	vals := r.Header.Values("Authorization")
	if len(vals) != 1 {
		return "", false
	}
	scheme, tok, _ := strings.Cut(vals[0], " ")
	tok = strings.TrimSpace(tok)
	return tok, strings.EqualFold(scheme, "Bearer") && tok != "" && len(tok) <= maxTokenLen
}

// errBearer is a 401 answered with a Bearer challenge (RFC 6750 §3) in
// place of the Basic one; code "" leaves the error out (no credentials
// were sent, RFC 6750 §3.1).
func errBearer(code, desc string) *Error {
	e := newError(code, http.StatusUnauthorized, desc)
	e.noChallenge = true
	return e
}

// writeBearerChallenge sets the WWW-Authenticate header of a 401 from
// errBearer.
func writeBearerChallenge(w http.ResponseWriter, err error) {
	var oe *Error
	if !errors.As(err, &oe) || oe.Status != http.StatusUnauthorized || !oe.noChallenge {
		return
	}
	ch := `Bearer realm="latchkey"`
	if oe.Code != "" {
		ch += `, error="` + oe.Code + `"`
	}
	w.Header().Set("WWW-Authenticate", ch)
}

// registrationTokenMatches compares a registration access token with the
// client's stored SHA-256 in constant time (RFC 7592 §1.1).
func registrationTokenMatches(c authcore.Client, tok string) bool {
	sum := sha256.Sum256([]byte(tok))
	return len(c.RegistrationTokenHash) == sha256.Size && subtle.ConstantTimeCompare(sum[:], c.RegistrationTokenHash) == 1
}
