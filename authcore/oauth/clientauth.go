package oauth

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// clientAuth is the outcome of authenticating the caller of the token,
// revocation or introspection endpoint.
type clientAuth struct {
	client authcore.Client
	method string // client_secret_basic, client_secret_post, private_key_jwt or none
}

// parseBasic decodes an HTTP Basic Authorization header whose user and
// password are form-encoded first (RFC 6749 §2.3.1, OAuth 2.1 App. B). ok
// is false when the header is not Basic; err is set when it is Basic but
// malformed.
func parseBasic(header string) (id, secret string, ok bool, err error) {
	scheme, rest, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false, nil
	}
	raw, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if derr != nil {
		return "", "", true, errors.New("oauth: basic credentials are not base64")
	}
	u, p, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", true, errors.New("oauth: basic credentials lack a colon")
	}
	if id, err = url.QueryUnescape(u); err != nil {
		return "", "", true, errors.New("oauth: basic user is not form-encoded")
	}
	if secret, err = url.QueryUnescape(p); err != nil {
		return "", "", true, errors.New("oauth: basic password is not form-encoded")
	}
	if id == "" {
		return "", "", true, errors.New("oauth: basic user is empty")
	}
	return id, secret, true, nil
}

// basicCreds is a request's Authorization header, parsed once by
// parseBasic for the ceilings, the failure guard and the authentication.
type basicCreds struct {
	id, secret string
	present    bool  // an Authorization header was sent
	repeated   bool  // more than one was
	ok         bool  // the (first) header is Basic
	err        error // Basic but malformed
}

// basicOf reads r's Authorization header once and parses it.
func basicOf(r *http.Request) basicCreds {
	var b basicCreds
	hdrs := r.Header.Values("Authorization")
	if len(hdrs) == 0 || hdrs[0] == "" {
		b.repeated = len(hdrs) > 1
		return b
	}
	b.present, b.repeated = true, len(hdrs) > 1
	b.id, b.secret, b.ok, b.err = parseBasic(hdrs[0])
	return b
}

// claimedClientID returns the client_id a request names, from the Basic
// header or the body, before any authentication (for rate limiting).
func claimedClientID(b basicCreds, p params) string {
	if b.ok && b.err == nil {
		return b.id
	}
	if id := p.get("client_id"); id != "" || !p.has("client_assertion") {
		return id
	}
	return unverifiedSubject(p.get("client_assertion"))
}

// authenticateClient authenticates the caller once, with exactly one
// method (OAuth 2.1 §2.4, §3.2.4): client_secret_basic, client_secret_post,
// private_key_jwt (RFC 7523 §2.2) or none for public clients. The method must be the one the client
// registered. Failures are audited.
//
// Failed authentications are throttled per claimed client_id and per IP
// (ratelimit_auth.go): past the burst, the next attempt gets 429 before its
// secret or assertion is even looked at.
func (s *Server) authenticateClient(ctx context.Context, r *http.Request, p params, basic basicCreds) (clientAuth, error) {
	claimed, ip, now := claimedClientID(basic, p), remoteIP(r), s.now()
	blocked, wait, err := s.authGuard.blocked(ctx, claimed, ip, now)
	if err != nil {
		return clientAuth{}, unavailable(err)
	}
	if blocked {
		s.record(ctx, audit.Event{Type: audit.RateLimitHit, Outcome: audit.Failure,
			ClientID: claimed, Reason: "client_auth_failures"})
		return clientAuth{}, errThrottled(wait)
	}
	ca, err := s.authClient(ctx, r, p, basic)
	if err != nil {
		var oe *Error
		if errors.As(err, &oe) && oe.Code == CodeInvalidClient {
			if gerr := s.authGuard.failed(ctx, claimed, ip, now); gerr != nil {
				s.log.Error().Err(gerr).Msg("oauth: count a failed client authentication")
			}
			s.record(ctx, audit.Event{Type: audit.ClientAuthFailed, Outcome: audit.Failure,
				ClientID: claimed, Reason: oe.Description})
		}
	}
	return ca, err
}

func (s *Server) authClient(ctx context.Context, r *http.Request, p params, basic basicCreds) (clientAuth, error) {
	if basic.repeated {
		return clientAuth{}, errInvalidRequest("more than one Authorization header")
	}
	if p.has("client_assertion") || p.has("client_assertion_type") {
		return s.authenticateAssertion(ctx, r, p) // private_key_jwt, clientauth_jwt.go
	}
	if basic.present {
		id, secret := basic.id, basic.secret
		if !basic.ok {
			return clientAuth{}, errInvalidClient("unsupported authorization scheme", true)
		}
		if basic.err != nil {
			return clientAuth{}, errInvalidClient("malformed basic credentials", true)
		}
		if p.has("client_secret") {
			return clientAuth{}, errInvalidRequest("more than one client authentication method")
		}
		if p.has("client_id") && p.get("client_id") != id {
			return clientAuth{}, errInvalidRequest("client_id does not match the credentials")
		}
		return s.checkSecret(ctx, id, secret, authcore.AuthSecretBasic, true)
	}
	id := p.get("client_id")
	if id == "" {
		return clientAuth{}, errInvalidClient("client authentication required", false)
	}
	if p.has("client_secret") {
		return s.checkSecret(ctx, id, p.get("client_secret"), authcore.AuthSecretPost, false)
	}
	c, err := s.lookupClient(ctx, id, false)
	if err != nil {
		return clientAuth{}, err
	}
	if isMTLSMethod(c.AuthMethod) {
		return s.authenticateMTLS(r, c) // RFC 8705 §2, mtls.go
	}
	if c.Type != authcore.Public || c.AuthMethod != authcore.AuthNone {
		return clientAuth{}, errInvalidClient("client authentication required", false)
	}
	return clientAuth{client: c, method: authcore.AuthNone}, nil
}

// checkSecret authenticates id with secret by the given method.
func (s *Server) checkSecret(ctx context.Context, id, secret, method string, viaHeader bool) (clientAuth, error) {
	c, err := s.lookupClient(ctx, id, viaHeader)
	if err != nil {
		s.hashSecret(secret) // same work for unknown clients
		return clientAuth{}, err
	}
	if c.Type != authcore.Confidential || c.AuthMethod != method || !s.secretMatches(c, secret) {
		return clientAuth{}, errInvalidClient("client authentication failed", viaHeader)
	}
	return clientAuth{client: c, method: method}, nil
}

// lookupClient loads a client; unknown ones are invalid_client.
func (s *Server) lookupClient(ctx context.Context, id string, viaHeader bool) (authcore.Client, error) {
	c, err := s.store.GetClient(ctx, id)
	if errors.Is(err, authcore.ErrNotFound) {
		return c, errInvalidClient("client authentication failed", viaHeader)
	}
	if err != nil {
		return c, unavailable(err)
	}
	return c, nil
}
