package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// Federation validates ID tokens of trusted external OpenID providers and
// maps them to linked local users (federation.Service satisfies it).
type Federation interface {
	// Identify validates token completely (OIDC Core §3.1.3.7, RFC 8725),
	// checks nonce when it is not "", records the token's single use,
	// and returns the identity. Refusals are *authcore.ExternalTokenError.
	Identify(ctx context.Context, token, nonce string) (authcore.ExternalIdentity, error)
}

// SetFederation turns on external ID tokens at /token: token exchange
// (RFC 8693 §2.1) of an ID token whose iss is not this server's, and the
// JWT bearer grant (RFC 7523 §2.1). Both are then advertised in the
// metadata whatever providers are enabled: the grants work generally and
// refuse untrusted issuers, so the metadata does not flap when an admin
// toggles a provider. Call it once, before serving.
func (s *Server) SetFederation(f Federation) {
	own := s.grants[authcore.GrantTokenExchange]
	s.grants[authcore.GrantTokenExchange] = func(ctx context.Context, tr *tokenRequest) (*tokenResponse, error) {
		if tr.p.get("subject_token_type") == TokenTypeIDToken && s.foreignIssuer(tr.p.get("subject_token")) {
			return s.exchangeExternal(ctx, f, tr)
		}
		return own(ctx, tr)
	}
	s.grants[authcore.GrantJWTBearer] = func(ctx context.Context, tr *tokenRequest) (*tokenResponse, error) {
		return s.jwtBearer(ctx, f, tr)
	}
}

// federationMetadata adds the grants SetFederation enabled to the server
// metadata (RFC 8414 §2 grant_types_supported).
func (s *Server) federationMetadata(m map[string]any) {
	if _, ok := s.grants[authcore.GrantJWTBearer]; ok {
		if gts, ok := m["grant_types_supported"].([]string); ok {
			m["grant_types_supported"] = append(slices.Clone(gts), authcore.GrantJWTBearer)
		}
	}
}

// foreignIssuer reports whether token looks like a JWT whose iss is not
// this server's. It only routes the request; nothing is trusted here.
func (s *Server) foreignIssuer(token string) bool {
	if len(token) > maxTokenLen || strings.Count(token, ".") != 2 {
		return false
	}
	payload := token[strings.IndexByte(token, '.')+1 : strings.LastIndexByte(token, '.')]
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return false
	}
	var c struct {
		Iss string `json:"iss"`
	}
	return json.Unmarshal(b, &c) == nil && c.Iss != "" && c.Iss != s.cfg.Issuer
}

// exchangeExternal is token exchange of an external ID token: a
// confidential client, no actor token, the result an access token for a
// resource the client registered (and the provider allows), for the
// linked local user. The optional nonce parameter (a Latchkey
// extension) is checked against the token's nonce.
func (s *Server) exchangeExternal(ctx context.Context, f Federation, tr *tokenRequest) (*tokenResponse, error) {
	c, p := tr.client, tr.p
	if c.Type != authcore.Confidential || tr.method == authcore.AuthNone {
		return nil, newError(CodeUnauthorizedClient, http.StatusBadRequest, "token exchange requires a confidential client")
	}
	switch {
	case p.get("requested_token_type") != "" && p.get("requested_token_type") != TokenTypeAccessToken:
		return nil, errInvalidRequest("requested_token_type is not supported")
	case p.has("actor_token") || p.has("actor_token_type"):
		return nil, errInvalidRequest("actor_token is not supported with an external subject_token")
	}
	resp, err := s.federatedAccess(ctx, f, tr, p.get("subject_token"), authcore.GrantTokenExchange)
	if err != nil {
		return nil, err
	}
	resp.IssuedTokenType = TokenTypeAccessToken
	return resp, nil
}

// federatedAccess validates an external token and issues the access
// token; every outcome is audited with its reason.
func (s *Server) federatedAccess(ctx context.Context, f Federation, tr *tokenRequest, token, grantType string) (*tokenResponse, error) {
	c, p := tr.client, tr.p
	refused := func(reason string, id authcore.ExternalIdentity, err error) error {
		s.record(ctx, audit.Event{Type: audit.FederatedTokenRefused, Outcome: audit.Failure, Actor: c.ID,
			ClientID: c.ID, Subject: id.UserID, Reason: reason,
			Details: map[string]any{"grant_type": grantType, "idp": id.ProviderID, "iss": id.Issuer}})
		return err
	}
	aud, err := exchangeTargets(c, p)
	if err != nil {
		return nil, refused("resource_not_allowed", authcore.ExternalIdentity{}, err)
	}
	id, err := f.Identify(ctx, token, p.get("nonce"))
	if err != nil {
		var xe *authcore.ExternalTokenError
		if !errors.As(err, &xe) {
			return nil, refused("internal", id, internal(err))
		}
		if xe.Temporary {
			return nil, refused(xe.Reason, id, newError(CodeTemporarilyUnavailable, http.StatusServiceUnavailable,
				"the identity provider cannot be verified now ("+xe.Reason+")"))
		}
		if grantType == authcore.GrantJWTBearer {
			return nil, refused(xe.Reason, id, errInvalidGrant("assertion refused: "+xe.Reason))
		}
		return nil, refused(xe.Reason, id, errInvalidRequest("subject_token refused: "+xe.Reason))
	}
	for _, a := range aud {
		if len(id.Resources) > 0 && !slices.Contains(id.Resources, a) {
			return nil, refused("resource_not_allowed", id, newError(CodeInvalidTarget, http.StatusBadRequest,
				"the identity provider's users may not obtain tokens for this resource"))
		}
	}
	scopes, err := federatedScopes(c, id.Scopes, p.get("scope"))
	if err != nil {
		return nil, refused("scope_not_allowed", id, err)
	}
	if scopes, err = s.roleScopes(ctx, id.UserID, scopes); err != nil { // scope_role.go
		return nil, err
	}
	now := s.now()
	at, it, err := s.mintAccess(ctx, c, s.subjectOf(c, id.UserID), scopes, aud, now, tr.cnf())
	if err != nil {
		return nil, err
	}
	typ := audit.TokenExchanged
	if grantType != authcore.GrantTokenExchange {
		typ = audit.TokenIssued
	}
	s.record(ctx, audit.Event{Type: typ, Actor: c.ID, Subject: id.UserID, ClientID: c.ID,
		Details: map[string]any{"jti": it.JTI, "aud": aud, "scope": joinScope(scopes), "grant_type": grantType,
			"subject_token_type": TokenTypeIDToken, "idp": id.ProviderID, "iss": id.Issuer, "external_sub": id.Subject}})
	return bearer(at, it, now, scopes), nil
}

// federatedScopes is the requested scope within what the provider's users
// may receive and the client may have; omitted means all of that except
// openid and offline_access.
func federatedScopes(c authcore.Client, allowed []string, raw string) ([]string, error) {
	want, err := parseScope(raw)
	if err != nil {
		return nil, errInvalidScope("scope is malformed")
	}
	if want == nil {
		for _, sc := range allowed {
			if c.AllowsScope(sc) && sc != scopeOpenID && sc != scopeOfflineAccess {
				want = append(want, sc)
			}
		}
		return want, nil
	}
	for _, sc := range want {
		if !c.AllowsScope(sc) || !slices.Contains(allowed, sc) || sc == scopeOfflineAccess {
			return nil, errInvalidScope("scope exceeds what the identity provider's users or the client may have")
		}
	}
	return want, nil
}
