package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
)

// Grant is one authorization that issued tokens: a code redemption with
// its refresh-token family.
type Grant struct {
	ID            string   `json:"id"`
	ClientID      string   `json:"client_id"`
	UserID        string   `json:"user_id"`
	Scope         string   `json:"scope"`
	Audience      []string `json:"audience"`
	CreatedAt     string   `json:"created_at"`
	ExpiresAt     string   `json:"expires_at"`
	AccessTokens  int      `json:"access_tokens"`
	Revoked       bool     `json:"revoked"`
	RevokedAt     string   `json:"revoked_at,omitempty"`
	RevokedReason string   `json:"revoked_reason,omitempty"`
}

// GrantFilter narrows ListGrants; empty fields match everything.
type GrantFilter struct {
	ClientID       string `json:"client_id"`
	UserID         string `json:"user_id"`
	Scope          string `json:"scope"`
	IncludeRevoked bool   `json:"include_revoked"`
}

func grantDTO(g authcore.Grant) Grant {
	return Grant{ID: g.ID, ClientID: g.ClientID, UserID: g.UserID, Scope: strings.Join(g.Scopes, " "),
		Audience: nonNil(g.Audience), CreatedAt: stamp(g.CreatedAt), ExpiresAt: stamp(g.ExpiresAt),
		AccessTokens: len(g.AccessJTIs), Revoked: g.Revoked, RevokedAt: stamp(g.RevokedAt), RevokedReason: g.RevokedReason}
}

func (f GrantFilter) match(g authcore.Grant, now time.Time) bool {
	switch {
	case !f.IncludeRevoked && (g.Revoked || (!g.ExpiresAt.IsZero() && now.After(g.ExpiresAt))):
		return false
	case f.ClientID != "" && g.ClientID != f.ClientID, f.UserID != "" && g.UserID != f.UserID:
		return false
	case f.Scope != "" && !strings.Contains(" "+strings.Join(g.Scopes, " ")+" ", " "+f.Scope+" "):
		return false
	}
	return true
}

// ListGrants returns the live grants and refresh-token families, newest
// first.
func (a *App) ListGrants(f GrantFilter) ([]Grant, error) {
	gs, err := a.srv.Store.ListGrants(context.Background())
	if err != nil {
		return nil, err
	}
	now := a.now()
	out := []Grant{}
	for _, g := range gs {
		if f.match(g, now) {
			out = append(out, grantDTO(g))
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
	if err := a.srv.Store.RevokeGrant(ctx, id, reason, a.now()); err != nil {
		return err
	}
	a.adminAction(ctx, "grant.revoke", id)
	return nil
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
	for _, g := range gs {
		if err := a.srv.Store.RevokeGrant(ctx, g.ID, "all tokens of the "+kind+" revoked by an administrator", a.now()); err != nil {
			return 0, err
		}
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
		out.Signature, out.Reason = "invalid", strings.TrimPrefix(err.Error(), "keys: ")
		return out, nil
	}
	out.Signature = "valid"
	revoked, err := a.srv.Store.IsRevoked(context.Background(), claims.ID)
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
	a.adminAction(ctx, "token.revoke", claims.ID)
	return nil
}
