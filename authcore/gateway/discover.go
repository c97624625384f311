package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Metadata is the part of an issuer's RFC 8414 §2 metadata the gateway
// uses.
type Metadata struct {
	Issuer                string `json:"issuer"`
	JWKSURI               string `json:"jwks_uri"`
	IntrospectionEndpoint string `json:"introspection_endpoint"`
}

// Discover fetches the issuer's metadata: first the RFC 8414 §3.1
// location (/.well-known/oauth-authorization-server inserted before the
// issuer's path), then OpenID Connect Discovery's
// (<issuer>/.well-known/openid-configuration). The document's issuer must
// equal issuer exactly (RFC 8414 §3.3), and jwks_uri must be https, or
// http only when the issuer itself is http (a development setup).
func Discover(ctx context.Context, client *http.Client, issuer string) (Metadata, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" {
		return Metadata{}, errors.New("gateway: issuer must be an http(s) URL without query or fragment")
	}
	path := strings.TrimSuffix(u.Path, "/")
	candidates := []string{
		u.Scheme + "://" + u.Host + "/.well-known/oauth-authorization-server" + path,
		strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration",
	}
	var lastErr error
	for _, c := range candidates {
		md, err := fetchMetadata(ctx, client, c)
		if err != nil {
			lastErr = err
			continue
		}
		if md.Issuer != issuer {
			lastErr = fmt.Errorf("gateway: metadata at %s names issuer %q, not %q", c, md.Issuer, issuer)
			continue
		}
		j, err := url.Parse(md.JWKSURI)
		if err != nil || j.Host == "" || (j.Scheme != "https" && !(j.Scheme == "http" && u.Scheme == "http")) {
			lastErr = errors.New("gateway: metadata jwks_uri is missing or not https")
			continue
		}
		return md, nil
	}
	return Metadata{}, lastErr
}

func fetchMetadata(ctx context.Context, client *http.Client, loc string) (Metadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return Metadata{}, fmt.Errorf("gateway: discovery request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Metadata{}, fmt.Errorf("gateway: discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Metadata{}, fmt.Errorf("gateway: discovery at %s: status %d", loc, resp.StatusCode)
	}
	var md Metadata
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDocBytes)).Decode(&md); err != nil {
		return Metadata{}, fmt.Errorf("gateway: discovery at %s: %w", loc, err)
	}
	return md, nil
}
