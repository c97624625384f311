package federation

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// CallbackPath is where providers send the browser back; register
// <issuer>/federation/callback as the redirect URI at each provider.
const CallbackPath = "/federation/callback"

// StartPath begins a brokered login: ?provider=<id>&return_to=<path>.
const StartPath = "/federation/start"

// Mount registers the brokered-login endpoints on mux.
func (s *Service) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET "+StartPath, s.handleStart)
	mux.HandleFunc("GET "+CallbackPath, s.handleCallback)
}

// StartURL is the link of the login page's "Continue with" button.
func StartURL(providerID, returnTo string) string {
	v := url.Values{"provider": {providerID}}
	if returnTo != "" {
		v.Set("return_to", returnTo)
	}
	return StartPath + "?" + v.Encode()
}

// handleStart sends the browser to the provider's authorization endpoint
// (OIDC Core §3.1.2.1) with response_type code, PKCE S256 (RFC 7636),
// state and nonce, remembering them in the state cookie.
func (s *Service) handleStart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	returnTo := q.Get("return_to")
	if s.cfg.Sessions == nil || len(q["provider"]) != 1 || len(q["return_to"]) > 1 ||
		(returnTo != "" && (s.cfg.ValidReturnTo == nil || !s.cfg.ValidReturnTo(returnTo))) {
		s.page(w, http.StatusBadRequest, "Invalid link", "This sign-in link is not valid. Go back to the application and start again.")
		return
	}
	p, err := s.store.GetIdentityProvider(ctx, q.Get("provider"))
	if err != nil || !p.Enabled || p.ClientID == "" {
		s.page(w, http.StatusNotFound, "Unknown provider", "This identity provider is not available.")
		return
	}
	md, err := s.metadata(ctx, p.Issuer)
	if err != nil || sameSecurity(p.Issuer, md.AuthorizationEndpoint) != nil {
		s.log.Warn().Err(err).Str("idp", p.ID).Msg("federation: discovery failed")
		s.page(w, http.StatusBadGateway, "Provider unavailable", "The identity provider cannot be reached. Try again later.")
		return
	}
	st := pending{Provider: p.ID, ReturnTo: returnTo, Expires: s.now().Add(stateTTL).Unix()}
	for _, f := range []*string{&st.State, &st.Nonce, &st.Verifier} {
		b, err := s.random(32)
		if err != nil {
			s.page(w, http.StatusServiceUnavailable, "Temporarily unavailable", "Please try again in a moment.")
			return
		}
		*f = base64.RawURLEncoding.EncodeToString(b)
	}
	if err := s.setPending(ctx, w, st); err != nil {
		s.page(w, http.StatusServiceUnavailable, "Temporarily unavailable", "Please try again in a moment.")
		return
	}
	sum := sha256.Sum256([]byte(st.Verifier))
	v := url.Values{"response_type": {"code"}, "client_id": {p.ClientID}, "redirect_uri": {s.redirectURI()},
		"scope": {"openid email profile"}, "state": {st.State}, "nonce": {st.Nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	sep := "?"
	if strings.Contains(md.AuthorizationEndpoint, "?") {
		sep = "&"
	}
	s.redirect(w, md.AuthorizationEndpoint+sep+v.Encode())
}

// handleCallback completes a brokered login: state against the cookie
// (once), iss (RFC 9207), the code redeemed with the PKCE verifier and
// the client secret, the ID token validated as any external one (with
// the nonce and Latchkey's client id as audience), the user linked or
// provisioned, a new session, and 303 back to the authorization request.
func (s *Service) handleCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	st, err := s.takePending(ctx, w, r)
	p := authcore.IdentityProvider{ID: st.Provider}
	fail := func(reason string, status int, text string) {
		s.record(ctx, audit.Event{Type: audit.LoginFailed, Outcome: audit.Failure, Reason: reason,
			Details: map[string]any{"idp": p.ID, "method": "federation"}})
		s.page(w, status, "Sign-in failed", text)
	}
	if err == nil && subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		err = refuse(ReasonState, errors.New("federation: state mismatch"))
	}
	if err == nil {
		err = s.store.UseOnce(ctx, "federation_state", st.State, time.Unix(st.Expires, 0).Add(time.Minute))
	}
	if err != nil {
		fail(ReasonState, http.StatusBadRequest, "This sign-in took too long or did not start here. Go back to the application and start again.")
		return
	}
	if p, err = s.store.GetIdentityProvider(ctx, st.Provider); err != nil || !p.Enabled {
		fail(ReasonDisabled, http.StatusBadRequest, "This identity provider is not available.")
		return
	}
	if iss := q.Get("iss"); (iss != "" && iss != p.Issuer) || q.Get("error") != "" || q.Get("code") == "" {
		fail(ReasonProviderResponse, http.StatusBadRequest, "The identity provider did not sign you in.")
		return
	}
	raw, err := s.redeem(ctx, p, q.Get("code"), st.Verifier)
	if err != nil {
		s.log.Warn().Err(err).Str("idp", p.ID).Msg("federation: code redemption failed")
		fail(ReasonProviderResponse, http.StatusBadGateway, "The identity provider's answer could not be used.")
		return
	}
	v, err := s.verify(ctx, raw, Expect{Nonce: st.Nonce, Audience: p.ClientID})
	var id authcore.ExternalIdentity
	if err == nil {
		id, err = s.identity(ctx, v)
	}
	var u authcore.User
	if err == nil {
		u, err = s.store.GetUser(ctx, id.UserID)
	}
	if err == nil {
		acr, amr := trustedAuth(p, id) // trust.go
		err = s.cfg.Sessions.StartFederatedSession(w, r, u, p.ID, acr, amr)
	}
	if err != nil {
		reason := ReasonOf(err)
		if reason == "" {
			reason = ReasonStorage
		}
		s.record(ctx, audit.Event{Type: audit.FederatedTokenRefused, Outcome: audit.Failure, Reason: reason,
			Details: map[string]any{"idp": p.ID, "iss": p.Issuer, "method": "federation"}})
		fail(reason, http.StatusForbidden, "Your account at this identity provider cannot sign in here.")
		return
	}
	s.record(ctx, audit.Event{Type: audit.LoginSucceeded, Subject: u.ID,
		Details: map[string]any{"idp": p.ID, "method": "federation", "external_sub": id.Subject}})
	if st.ReturnTo == "" {
		st.ReturnTo = "/login"
	}
	s.redirect(w, st.ReturnTo)
}

// redirectURI is Latchkey's redirect URI at every provider.
func (s *Service) redirectURI() string { return s.cfg.Issuer + CallbackPath }

// page renders a plain page through the login package, or text.
func (s *Service) page(w http.ResponseWriter, status int, title, text string) {
	if s.cfg.Sessions != nil {
		s.cfg.Sessions.Message(w, status, title, text)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, text, status)
}

// redirect answers 303 See Other (RFC 9700 §4.12) without caching.
func (s *Service) redirect(w http.ResponseWriter, loc string) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Location", loc)
	w.WriteHeader(http.StatusSeeOther)
}
