package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// discovery is the part of a provider's OpenID Provider Metadata (OIDC
// Discovery 1.0 §3) Latchkey uses.
type discovery struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	SigningAlgs           []string `json:"id_token_signing_alg_values_supported"`
	CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
}

// remote caches one provider's discovery document and JWKS.
type remote struct {
	issuer string

	mu        sync.Mutex // serialises fetches
	md        *discovery
	mdExpires time.Time
	set       *keySet
	etag      string
	expires   time.Time
	lastFetch time.Time
}

// remoteFor returns the cache of issuer.
func (s *Service) remoteFor(issuer string) *remote {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.remotes[issuer]
	if !ok {
		r = &remote{issuer: issuer}
		s.remotes[issuer] = r
	}
	return r
}

// forget drops the cache of issuer (after a provider changed).
func (s *Service) forget(issuer string) {
	s.mu.Lock()
	delete(s.remotes, issuer)
	s.mu.Unlock()
}

// metadata returns the provider's discovery document, cached for an hour.
func (s *Service) metadata(ctx context.Context, issuer string) (*discovery, error) {
	r := s.remoteFor(issuer)
	r.mu.Lock()
	defer r.mu.Unlock()
	return s.metadataLocked(ctx, r)
}

func (s *Service) metadataLocked(ctx context.Context, r *remote) (*discovery, error) {
	now := s.now()
	if r.md != nil && now.Before(r.mdExpires) {
		return r.md, nil
	}
	var md discovery
	if _, _, err := s.fetchJSON(ctx, strings.TrimSuffix(r.issuer, "/")+"/.well-known/openid-configuration", "", &md); err != nil {
		return nil, err
	}
	// OIDC Discovery 1.0 §4.3: the issuer must be exactly the one asked.
	if md.Issuer != r.issuer {
		return nil, fmt.Errorf("federation: discovery names issuer %q, not %q", md.Issuer, r.issuer)
	}
	if err := sameSecurity(r.issuer, md.JWKSURI); err != nil {
		return nil, fmt.Errorf("federation: jwks_uri: %w", err)
	}
	r.md, r.mdExpires = &md, now.Add(time.Hour)
	return r.md, nil
}

// keys returns the provider's key set. refresh asks for a refetch (an
// unknown kid), which happens at most once per MinRefetch. A stale set
// serves for MaxStale while the provider is unreachable; with no usable
// set the call fails closed.
func (s *Service) keys(ctx context.Context, issuer string, refresh bool) (*keySet, error) {
	r := s.remoteFor(issuer)
	r.mu.Lock()
	defer r.mu.Unlock()
	now := s.now()
	fresh := r.set != nil && now.Before(r.expires)
	if fresh && !refresh {
		return r.set, nil
	}
	if !r.lastFetch.IsZero() && now.Sub(r.lastFetch) < s.cfg.MinRefetch {
		if r.set != nil && now.Before(r.expires.Add(s.cfg.MaxStale)) {
			return r.set, nil
		}
		return nil, errors.New("federation: JWKS unavailable (refetch rate-limited)")
	}
	r.lastFetch = now
	err := s.fetchKeys(ctx, r, now)
	if err == nil {
		return r.set, nil
	}
	if r.set != nil && now.Before(r.expires.Add(s.cfg.MaxStale)) {
		s.log.Warn().Err(err).Str("issuer", issuer).Msg("federation: JWKS refresh failed; using cached keys")
		return r.set, nil
	}
	return nil, err
}

func (s *Service) fetchKeys(ctx context.Context, r *remote, now time.Time) error {
	md, err := s.metadataLocked(ctx, r)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	etag := ""
	if r.set != nil {
		etag = r.etag
	}
	hdr, status, err := s.fetchJSON(ctx, md.JWKSURI, etag, &raw)
	if err != nil {
		return err
	}
	maxAge := cacheMaxAge(hdr.Get("Cache-Control"), s.cfg.JWKSMaxAge)
	if status == http.StatusNotModified {
		r.expires = now.Add(maxAge)
		return nil
	}
	ks, err := parseJWKS(raw)
	if err != nil {
		return err
	}
	r.set, r.etag, r.expires = ks, hdr.Get("ETag"), now.Add(maxAge)
	return nil
}

// fetchJSON GETs loc (at most MaxDocumentBytes, no redirects) and decodes
// it into v. With etag set, 304 is a valid answer and v is left alone.
func (s *Service) fetchJSON(ctx context.Context, loc, etag string, v any) (http.Header, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("federation: request %s: %w", loc, err)
	}
	req.Header.Set("Accept", "application/json")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("federation: fetch %s: %w", loc, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && etag != "" {
		return resp.Header, resp.StatusCode, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("federation: fetch %s: status %d", loc, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocumentBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("federation: read %s: %w", loc, err)
	}
	if len(body) > MaxDocumentBytes {
		return nil, 0, fmt.Errorf("federation: %s is larger than %d bytes", loc, MaxDocumentBytes)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, 0, fmt.Errorf("federation: %s is not JSON: %w", loc, err)
	}
	return resp.Header, resp.StatusCode, nil
}

// sameSecurity requires loc to be an absolute https URL, or http when the
// issuer itself is http (a loopback development setup).
func sameSecurity(issuer, loc string) error {
	u, err := url.Parse(loc)
	if err != nil || u.Host == "" || u.User != nil {
		return errors.New("federation: not an absolute URL")
	}
	if u.Scheme == "https" || (u.Scheme == "http" && strings.HasPrefix(issuer, "http://")) {
		return nil
	}
	return errors.New("federation: not https")
}

// cacheMaxAge reads max-age from Cache-Control, clamped to [0, 24 h];
// no-store and no-cache mean 0.
func cacheMaxAge(cc string, def time.Duration) time.Duration {
	for _, part := range strings.Split(cc, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		switch {
		case part == "no-store" || part == "no-cache":
			return 0
		case strings.HasPrefix(part, "max-age="):
			n, err := strconv.ParseInt(strings.TrimPrefix(part, "max-age="), 10, 64)
			if err != nil || n < 0 {
				return def
			}
			return min(time.Duration(n)*time.Second, 24*time.Hour)
		}
	}
	return def
}
