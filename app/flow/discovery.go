package flow

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// metadata is an issuer's discovery document.
type metadata map[string]any

// string returns a string member, or "".
func (m metadata) string(k string) string {
	s, _ := m[k].(string)
	return s
}

// strings returns a string-array member.
func (m metadata) strings(k string) []string {
	arr, _ := m[k].([]any)
	out := make([]string, 0, len(arr))
	for _, v := range arr {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// bool returns a boolean member and whether it is present.
func (m metadata) bool(k string) (bool, bool) {
	b, ok := m[k].(bool)
	return b, ok
}

// Discovery paths, tried in order.
const (
	OIDCDiscoveryPath = "/.well-known/openid-configuration"
	OAuthMetadataPath = "/.well-known/oauth-authorization-server"
)

// discover reads the OpenID Connect discovery document, falling back to
// RFC 8414 metadata, and checks that its issuer is the one asked for (RFC
// 8414 §3.3, OIDC Discovery §4.3).
func (r *runner) discover() error {
	base := strings.TrimRight(r.o.Issuer, "/")
	var lastErr error
	for _, p := range []string{OIDCDiscoveryPath, OAuthMetadataPath} {
		s, rep, err := r.send("Discovery "+p, http.MethodGet, base+p, nil, "")
		if err != nil {
			lastErr = err
			continue
		}
		var md metadata
		if rep.Status != http.StatusOK || json.Unmarshal(rep.Body, &md) != nil {
			s.check(CheckStatus, false, fmt.Sprintf("HTTP %d; not a JSON metadata document", rep.Status))
			lastErr = fmt.Errorf("flow: %s answered %d", p, rep.Status)
			continue
		}
		s.check(CheckStatus, true, "HTTP 200 with a JSON document")
		iss := md.string("issuer")
		s.check(CheckIssuerMatch, iss == r.o.Issuer,
			fmt.Sprintf("issuer %q, asked for %q (RFC 8414 §3.3)", iss, r.o.Issuer))
		r.md = md
		if r.external {
			r.t.ExternalDiscoveryURL = base + p
		} else {
			r.t.DiscoveryURL = base + p
			r.t.Metadata = md
		}
		if iss != r.o.Issuer {
			return fmt.Errorf("flow: the metadata names issuer %q, not %q", iss, r.o.Issuer)
		}
		return nil
	}
	return fmt.Errorf("flow: discovery failed: %w", lastErr)
}

// basic is the RFC 6749 §2.3.1 Basic credential: both parts form-encoded.
func basic(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// hasScope reports whether the space-separated scope holds s.
func hasScope(scope, s string) bool { return contains(strings.Fields(scope), s) }
