package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tidwall/gjson"
	"go.opentelemetry.io/otel/trace"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// typAccessToken is the JWT typ of access tokens (RFC 9068 §2.1).
const typAccessToken = "at+jwt"

// accessClaims are the claims of an RFC 9068 §2.2 access token.
type accessClaims struct {
	jwt.RegisteredClaims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
	// GrantID names the grant of a pairwise client's token (subject.go).
	GrantID string `json:"grant_id,omitempty"`
	// Act names the acting party of an exchanged token (RFC 8693 §4.1).
	Act *actClaim `json:"act,omitempty"`
	// Cnf binds the token to a DPoP key or client certificate (RFC 9449
	// §6.1, RFC 8705 §3.1); token_bind.go.
	Cnf *cnfClaim `json:"cnf,omitempty"`
	// auth_time, acr, amr of the user's sign-in; authcontext.go.
	authClaims
	// AuthorizationDetails are the RFC 9396 §9.1 details the token
	// carries; rar.go.
	AuthorizationDetails json.RawMessage `json:"authorization_details,omitempty"`
}

// actClaim is the act claim of RFC 8693 §4.1: who acts for sub, possibly
// itself acting for another.
type actClaim struct {
	Subject  string    `json:"sub"`
	ClientID string    `json:"client_id,omitempty"`
	Act      *actClaim `json:"act,omitempty"`
}

// accessTTL is the client's access-token lifetime or the default.
func (s *Server) accessTTL(c authcore.Client) time.Duration {
	if c.AccessTokenTTL > 0 {
		return c.AccessTokenTTL
	}
	return s.policy.Load().AccessTokenTTL
}

// refreshTTL is the client's refresh-token lifetime or the default.
func (s *Server) refreshTTL(c authcore.Client) time.Duration {
	if c.RefreshTokenTTL > 0 {
		return c.RefreshTokenTTL
	}
	return s.policy.Load().RefreshTokenTTL
}

// mintAccess signs an access token for sub with a fresh 128-bit jti;
// extra may add claims before signing.
func (s *Server) mintAccess(ctx context.Context, c authcore.Client, sub string, scopes, aud []string, now time.Time, extra ...func(*accessClaims)) (string, authcore.IssuedToken, error) {
	jti, err := s.randomToken(16)
	if err != nil {
		return "", authcore.IssuedToken{}, internal(err)
	}
	exp := now.Add(s.accessTTL(c))
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.cfg.Issuer, Subject: sub, Audience: aud, ID: jti,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
		ClientID: c.ID,
		Scope:    joinScope(scopes),
	}
	for _, f := range extra {
		f(&claims)
	}
	if parent := trace.SpanFromContext(ctx); parent.IsRecording() { // no allocation when the request is not traced
		_, span := parent.TracerProvider().Tracer("latchkey/oauth").Start(ctx, "sign.access_token")
		defer span.End()
	}
	tok, err := s.signer.Sign("", typAccessToken, claims)
	if err != nil {
		return "", authcore.IssuedToken{}, internal(err)
	}
	return tok, authcore.IssuedToken{JTI: jti, ExpiresAt: exp, Kid: headerKid(tok)}, nil
}

// headerKid reads the kid from a compact JWS this server just signed.
func headerKid(tok string) string {
	head, _, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return ""
	}
	return gjson.GetBytes(raw, "kid").String()
}

// bearer builds the token response for an access token.
func bearer(at string, it authcore.IssuedToken, now time.Time, scopes []string) *tokenResponse {
	return &tokenResponse{
		AccessToken: at, TokenType: "Bearer",
		ExpiresIn: int64(it.ExpiresAt.Sub(now).Round(time.Second) / time.Second),
		Scope:     joinScope(scopes),
	}
}

// issued audits an issuance, naming tokens by jti only.
func (s *Server) issued(ctx context.Context, typ audit.Type, c authcore.Client, sub, grantType string, it authcore.IssuedToken, scopes []string, refresh bool) {
	s.record(ctx, audit.Event{Type: typ, Actor: c.ID, Subject: sub, ClientID: c.ID,
		Details: map[string]any{"jti": it.JTI, "grant_type": grantType,
			"scope": joinScope(scopes), "refresh_token": refresh}})
}
