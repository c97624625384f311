package oidc

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"sort"

	"github.com/latchkey/latchkey/authcore"
)

// scopeClaims maps the standard scopes Latchkey serves to the claims
// they release (OIDC Core §5.4). Only claims the user record holds are
// listed: there is no address or phone.
var scopeClaims = map[string][]string{
	"profile": {"name", "preferred_username", "updated_at"},
	"email":   {"email", "email_verified"},
}

// tokenClaims are the ID token claims Latchkey sets itself (OIDC Core
// §2, Back-Channel Logout 1.0 §2.4).
var tokenClaims = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid", "at_hash"}

// ClaimsSupported lists every claim the provider can release, for
// claims_supported (OIDC Discovery 1.0 §3).
func ClaimsSupported() []string {
	out := slices.Clone(tokenClaims)
	for _, sc := range []string{"profile", "email"} {
		out = append(out, scopeClaims[sc]...)
	}
	return out
}

// userClaims returns u's claims released by scopes, as OIDC Core §5.1
// types them. Empty values are left out. email_verified is false:
// Latchkey does not verify addresses.
func userClaims(u authcore.User, scopes []string) map[string]any {
	out := map[string]any{}
	if slices.Contains(scopes, "profile") {
		out["preferred_username"] = u.Username
		if u.DisplayName != "" {
			out["name"] = u.DisplayName
		}
		if !u.UpdatedAt.IsZero() {
			out["updated_at"] = u.UpdatedAt.Unix()
		}
	}
	if slices.Contains(scopes, "email") && u.Email != "" {
		out["email"] = u.Email
		out["email_verified"] = false
	}
	return out
}

// claimsRequest is the claims request parameter (OIDC Core §5.5). Each
// member maps a claim name to null or its requirements (§5.5.1).
type claimsRequest struct {
	Userinfo map[string]*claimSpec `json:"userinfo,omitempty"`
	IDToken  map[string]*claimSpec `json:"id_token,omitempty"`
}

// claimSpec is an individual claim request (OIDC Core §5.5.1).
type claimSpec struct {
	Essential bool              `json:"essential,omitempty"`
	Value     json.RawMessage   `json:"value,omitempty"`
	Values    []json.RawMessage `json:"values,omitempty"`
}

// Bounds on a claims request.
const (
	maxClaimNames = 32
	maxClaimName  = 100
)

var errClaims = errors.New("oidc: malformed claims request")

// ParseClaims validates the claims request parameter (OIDC Core §5.5):
// a JSON object whose userinfo and id_token members map claim names to
// null or an object with essential, value or values; other members are
// ignored (§5.5: extensible). It returns the request normalized (members
// sorted, unknown top-level members dropped) and the scopes whose claims
// it names (OIDC Core §5.4), sorted.
func (p *Provider) ParseClaims(raw string) (string, []string, error) {
	req, err := parseClaims(raw)
	if err != nil {
		return "", nil, err
	}
	var scopes []string
	for _, m := range []map[string]*claimSpec{req.Userinfo, req.IDToken} {
		for name := range m {
			for sc, names := range scopeClaims {
				if slices.Contains(names, name) && !slices.Contains(scopes, sc) {
					scopes = append(scopes, sc)
				}
			}
		}
	}
	sort.Strings(scopes)
	b, err := json.Marshal(req)
	if err != nil {
		return "", nil, errClaims
	}
	return string(b), scopes, nil
}

// parseClaims decodes and checks a claims request.
func parseClaims(raw string) (claimsRequest, error) {
	var req claimsRequest
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil || top == nil || dec.More() {
		return req, errClaims
	}
	for _, member := range []struct {
		name string
		into *map[string]*claimSpec
	}{{"userinfo", &req.Userinfo}, {"id_token", &req.IDToken}} {
		v, ok := top[member.name]
		if !ok || string(v) == "null" {
			continue
		}
		var m map[string]*claimSpec
		if err := json.Unmarshal(v, &m); err != nil || len(m) > maxClaimNames {
			return req, errClaims
		}
		for name := range m {
			if name == "" || len(name) > maxClaimName {
				return req, errClaims
			}
		}
		*member.into = m
	}
	return req, nil
}
