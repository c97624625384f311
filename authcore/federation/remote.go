package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/authcore/jwkset"
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

	mu        sync.Mutex // serialises discovery fetches
	md        *discovery
	mdExpires time.Time
	keys      *jwkset.Remote
}

// remoteFor returns the cache of issuer.
func (s *Service) remoteFor(issuer string) *remote {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.remotes[issuer]
	if !ok {
		r = s.newRemote(issuer)
		s.remotes[issuer] = r
	}
	return r
}

// newRemote returns an empty cache of issuer whose JWKS is found through
// its discovery document.
func (s *Service) newRemote(issuer string) *remote {
	r := &remote{issuer: issuer}
	r.keys = s.newKeys(issuer, func(ctx context.Context) (string, error) {
		md, err := s.metadataOf(ctx, r)
		if err != nil {
			return "", err
		}
		return md.JWKSURI, nil
	})
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
	return s.metadataOf(ctx, s.remoteFor(issuer))
}

func (s *Service) metadataOf(ctx context.Context, r *remote) (*discovery, error) {
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
	if err := s.fetchJSON(ctx, strings.TrimSuffix(r.issuer, "/")+"/.well-known/openid-configuration", &md); err != nil {
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
func (s *Service) keys(ctx context.Context, issuer string, refresh bool) (*jwkset.Set, error) {
	return s.remoteFor(issuer).keys.Get(ctx, refresh)
}

// fetchJSON GETs loc (at most MaxDocumentBytes, no redirects) and decodes
// it into v.
func (s *Service) fetchJSON(ctx context.Context, loc string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return fmt.Errorf("federation: request %s: %w", loc, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("federation: fetch %s: %w", loc, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("federation: fetch %s: status %d", loc, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocumentBytes+1))
	if err != nil {
		return fmt.Errorf("federation: read %s: %w", loc, err)
	}
	if len(body) > MaxDocumentBytes {
		return fmt.Errorf("federation: %s is larger than %d bytes", loc, MaxDocumentBytes)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("federation: %s is not JSON: %w", loc, err)
	}
	return nil
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

// ForgetAll drops the cached discovery and keys of every provider, so
// the next use fetches them afresh. A node calls it when another node
// changed or removed a provider (whose old issuer it cannot know).
func (s *Service) ForgetAll() {
	s.mu.Lock()
	clear(s.remotes)
	s.mu.Unlock()
}
