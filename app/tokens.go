package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tidwall/gjson"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// Grant is one authorization that issued tokens: a code redemption with
// its refresh-token family.
type Grant struct {
	ID       string `json:"id"`
	ClientID string `json:"client_id"`
	UserID   string `json:"user_id"`
	// Subject is the sub the client sees: the user id, or its pairwise
	// identifier for a pairwise client (OIDC Core §8.1).
	Subject      string   `json:"subject"`
	Scope        string   `json:"scope"`
	Audience     []string `json:"audience"`
	CreatedAt    string   `json:"created_at"`
	ExpiresAt    string   `json:"expires_at"`
	AccessTokens int      `json:"access_tokens"`
	// Kids are the keys that signed the grant's live access tokens.
	Kids          []string `json:"kids"`
	Revoked       bool     `json:"revoked"`
	RevokedAt     string   `json:"revoked_at,omitempty"`
	RevokedReason string   `json:"revoked_reason,omitempty"`
	// AuthorizationDetails are the RFC 9396 details granted, as JSON;
	// "" when none.
	AuthorizationDetails string `json:"authorization_details,omitempty"`
}

// GrantFilter narrows ListGrants; empty fields match everything.
type GrantFilter struct {
	ClientID string `json:"client_id"`
	UserID   string `json:"user_id"`
	Scope    string `json:"scope"`
	// Kid keeps the grants with a live access token signed by that key:
	// the tokens a key's revocation would reach.
	Kid            string `json:"kid"`
	IncludeRevoked bool   `json:"include_revoked"`
}

func grantDTO(g authcore.Grant, now time.Time) Grant {
	return Grant{ID: g.ID, ClientID: g.ClientID, UserID: g.UserID, Scope: strings.Join(g.Scopes, " "),
		Audience: nonNil(g.Audience), CreatedAt: stamp(g.CreatedAt), ExpiresAt: stamp(g.ExpiresAt),
		AccessTokens: len(g.AccessJTIs), Kids: liveKids(g, now), Revoked: g.Revoked, RevokedAt: stamp(g.RevokedAt),
		RevokedReason: g.RevokedReason, AuthorizationDetails: g.AuthorizationDetails}
}

// liveKids lists, once each, the keys that signed g's unexpired access
// tokens.
func liveKids(g authcore.Grant, now time.Time) []string {
	out := []string{}
	for _, t := range g.AccessJTIs {
		if t.Kid != "" && now.Before(t.ExpiresAt) && !slices.Contains(out, t.Kid) {
			out = append(out, t.Kid)
		}
	}
	return out
}

func (f GrantFilter) match(g authcore.Grant, now time.Time) bool {
	switch {
	case !f.IncludeRevoked && (g.Revoked || (!g.ExpiresAt.IsZero() && now.After(g.ExpiresAt))):
		return false
	case f.ClientID != "" && g.ClientID != f.ClientID, f.UserID != "" && g.UserID != f.UserID:
		return false
	case f.Scope != "" && !strings.Contains(" "+strings.Join(g.Scopes, " ")+" ", " "+f.Scope+" "):
		return false
	case f.Kid != "" && !slices.Contains(liveKids(g, now), f.Kid):
		return false
	}
	return true
}

// ListGrants returns the live grants and refresh-token families, newest
// first.
func (a *App) ListGrants(f GrantFilter) ([]Grant, error) {
	gs, err := a.srv.Store.ListGrants(a.ctx("grant.list"))
	if err != nil {
		return nil, err
	}
	now := a.now()
	subject, err := a.subjectsOf(a.ctx("grant.list")) // pairwise.go
	if err != nil {
		return nil, err
	}
	out := []Grant{}
	for _, g := range gs {
		if f.match(g, now) {
			dto := grantDTO(g, now)
			dto.Subject = subject(g.ClientID, g.UserID)
			out = append(out, dto)
		}
	}
	sortBy(out, func(g Grant) string { return g.CreatedAt }, true)
	return out, nil
}

// RevokeGrant revokes one grant: its refresh-token family and every access
// token issued under it.
func (a *App) RevokeGrant(id, reason string) error {
	ctx := a.ctx("grant.revoke")
	if strings.TrimSpace(reason) == "" {
		reason = "revoked by an administrator"
	}
	g, err := a.srv.Store.GetGrant(ctx, id)
	if err != nil {
		return err
	}
	if err := a.srv.Store.RevokeGrant(ctx, id, reason, a.now()); err != nil {
		return err
	}
	a.grantRevoked(ctx, g, reason)
	a.adminAction(ctx, "grant.revoke", id)
	return nil
}

// grantRevoked records the token.revoked event of a grant the console
// revoked, as /revoke does for a client: who lost which tokens, and why.
func (a *App) grantRevoked(ctx context.Context, g authcore.Grant, reason string) {
	a.srv.Audit.Record(ctx, audit.Event{
		Time: a.now(), Type: audit.TokenRevoked, Outcome: audit.Success, Actor: a.actor(),
		ClientID: g.ClientID, Subject: g.UserID,
		Details: map[string]any{"grant_id": g.ID, "token_type": "grant", "reason": reason,
			"access_tokens": len(g.AccessJTIs)},
	})
}

// RevokeTokensOf revokes every live grant of a user (kind "user") or a
// client (kind "client") and reports how many.
func (a *App) RevokeTokensOf(kind, id string) (int, error) {
	f := GrantFilter{}
	switch kind {
	case "user":
		f.UserID = id
	case "client":
		f.ClientID = id
	default:
		return 0, invalid(`kind must be "user" or "client"`)
	}
	if id == "" {
		return 0, invalid("say whose tokens to revoke")
	}
	gs, err := a.ListGrants(f)
	if err != nil {
		return 0, err
	}
	ctx := a.ctx("tokens.revoke_all")
	reason := "all tokens of the " + kind + " revoked by an administrator"
	for _, g := range gs {
		full, err := a.srv.Store.GetGrant(ctx, g.ID)
		if err != nil {
			return 0, err
		}
		if err := a.srv.Store.RevokeGrant(ctx, g.ID, reason, a.now()); err != nil {
			return 0, err
		}
		a.grantRevoked(ctx, full, reason)
	}
	a.adminAction(ctx, "tokens.revoke_all_of_"+kind, id)
	return len(gs), nil
}

// TokenInspection is what the console shows about a pasted token.
type TokenInspection struct {
	Format    string          `json:"format"` // "jwt" or "opaque"
	Header    json.RawMessage `json:"header,omitempty"`
	Claims    json.RawMessage `json:"claims,omitempty"`
	Signature string          `json:"signature"` // "valid", "invalid: …", "not checked"
	Active    bool            `json:"active"`
	Reason    string          `json:"reason,omitempty"` // why it is not active
	ExpiresAt string          `json:"expires_at,omitempty"`
}

// InspectToken decodes a JWT issued by this server, checks its signature
// against the current keys and says whether it is active (signed by a
// published key, unexpired, not revoked). The token is not stored or
// logged.
func (a *App) InspectToken(token string) (TokenInspection, error) {
	token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(token), "Bearer "))
	parts := strings.Split(token, ".")
	if len(token) > 16<<10 || len(parts) != 3 {
		return TokenInspection{Format: "opaque", Signature: "not checked",
			Reason: "not a JWT: refresh tokens and codes are opaque and stored only as hashes"}, nil
	}
	out := TokenInspection{Format: "jwt"}
	for i, dst := range []*json.RawMessage{&out.Header, &out.Claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || !json.Valid(raw) {
			return TokenInspection{Format: "jwt", Signature: "not checked", Reason: "the token's segments are not base64url JSON"}, nil
		}
		*dst = raw
	}
	var hdr struct {
		Typ string `json:"typ"`
	}
	_ = json.Unmarshal(out.Header, &hdr)
	var claims jwt.RegisteredClaims
	_, err := a.srv.Keys.Verify(token, hdr.Typ, &claims)
	if claims.ExpiresAt != nil {
		out.ExpiresAt = stamp(claims.ExpiresAt.Time)
	}
	if err != nil {
		out.Signature, out.Reason = "invalid", verifyReason(err)
		return out, nil
	}
	out.Signature = "valid"
	revoked, err := a.srv.Store.IsRevoked(a.ctx("token.inspect"), claims.ID)
	if err != nil {
		return out, err
	}
	if revoked {
		out.Reason = "revoked"
		return out, nil
	}
	out.Active = true
	return out, nil
}

// RevokeToken revokes an access token issued by this server (by its jti).
func (a *App) RevokeToken(token string) error {
	var claims jwt.RegisteredClaims
	if _, err := a.srv.Keys.Verify(strings.TrimSpace(token), "at+jwt", &claims); err != nil || claims.ID == "" {
		return invalid("only a valid access token issued by this server can be revoked here")
	}
	ctx := a.ctx("token.revoke")
	if err := a.srv.Store.RevokeAccessToken(ctx, authcore.Revocation{JTI: claims.ID,
		ExpiresAt: claims.ExpiresAt.Time, RevokedAt: a.now()}); err != nil {
		return err
	}
	a.srv.Audit.Record(ctx, audit.Event{
		Time: a.now(), Type: audit.TokenRevoked, Outcome: audit.Success, Actor: a.actor(),
		ClientID: claimString(token, "client_id"), Subject: claims.Subject,
		Details: map[string]any{"jti": claims.ID, "token_type": "access_token", "reason": "revoked by an administrator",
			"exp": claims.ExpiresAt.Unix()},
	})
	a.adminAction(ctx, "token.revoke", claims.ID)
	return nil
}

// claimString reads one string claim of a token whose signature was
// already verified.
func claimString(token, name string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	return gjson.GetBytes(raw, name).String()
}
