package oauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/egress"
)

// Bounds of a sector_identifier_uri fetch.
const (
	maxSectorBody    = 64 << 10
	sectorTimeout    = 5 * time.Second
	maxSectorEntries = 256
)

// SectorFetchConfig configures how registration fetches a client's
// sector_identifier_uri (OIDC Registration §5, OIDC Core §8.1). The fetch
// goes through the egress guard (authcore/egress): for dynamically
// registered clients it never reaches loopback, private or link-local
// addresses unless AllowPrivate; clients an administrator registers may
// name such an address, as their back-channel logout URIs may.
type SectorFetchConfig struct {
	// AllowPrivate lets dynamically registered clients' sector URIs
	// resolve to loopback, private and link-local addresses.
	AllowPrivate bool
	// RootCAs, when set, replaces the system roots for the HTTPS fetch
	// (tests, or a private CA).
	RootCAs *x509.CertPool
}

// sectorClients are the guarded and the administrator's HTTP clients of
// the sector fetch.
type sectorClients struct {
	guard            *egress.Guard
	guarded, trusted *http.Client
}

func newSectorClients(cfg SectorFetchConfig) sectorClients {
	g, t := new(egress.Guard), new(egress.Guard)
	g.SetAllowPrivate(cfg.AllowPrivate)
	t.SetAllowPrivate(true)
	out := sectorClients{guard: g, guarded: g.NewClient(sectorTimeout), trusted: t.NewClient(sectorTimeout)}
	for _, hc := range []*http.Client{out.guarded, out.trusted} {
		if tr, ok := hc.Transport.(*http.Transport); ok && cfg.RootCAs != nil {
			tr.TLSClientConfig = &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
		}
	}
	return out
}

// SetSectorAllowPrivate changes SectorFetchConfig.AllowPrivate while the
// server runs; the next fetch applies it.
func (s *Server) SetSectorAllowPrivate(allow bool) { s.sector.guard.SetAllowPrivate(allow) }

// validatePairwiseSpec checks subject_type and sector_identifier_uri (OIDC
// Registration §2, §5; OIDC Core §8.1) and copies them to c, whose
// redirect URIs are already validated: a sector_identifier_uri must be
// https and answer a JSON array holding every redirect URI of the
// client; a pairwise client without one must have all its redirect URIs
// on one host, which is its sector.
func (s *Server) validatePairwiseSpec(ctx context.Context, c *authcore.Client, spec ClientSpec) error {
	bad := func(format string, a ...any) error {
		return authcore.Invalid(ErrInvalidClientMetadata, format, a...)
	}
	switch spec.SubjectType {
	case "", authcore.SubjectPublic, authcore.SubjectPairwise:
	default:
		return bad("subject_type must be public or pairwise")
	}
	c.SubjectType, c.SectorIdentifierURI = spec.SubjectType, spec.SectorIdentifierURI
	if c.SubjectType == authcore.SubjectPublic {
		c.SubjectType = ""
	}
	if raw := spec.SectorIdentifierURI; raw != "" {
		u, err := url.Parse(raw)
		if err != nil || len(raw) > 2000 || u.Scheme != "https" || u.Host == "" || u.User != nil || strings.Contains(raw, "#") {
			return bad("sector_identifier_uri must be an https URL without userinfo or fragment")
		}
		listed, err := s.fetchSector(ctx, raw, spec.selfRegistered)
		if err != nil {
			return bad("sector_identifier_uri %v", err)
		}
		for _, r := range c.RedirectURIs {
			if !slices.Contains(listed, r) {
				return bad("sector_identifier_uri does not list the redirect URI %q", r)
			}
		}
		return nil
	}
	if !c.Pairwise() {
		return nil
	}
	if len(c.RedirectURIs) == 0 {
		return bad("a pairwise client needs a sector_identifier_uri or a redirect URI")
	}
	for _, r := range c.RedirectURIs[1:] {
		if authcore.HostOf(r) != c.Sector() {
			return bad("a pairwise client with redirect URIs on several hosts needs a sector_identifier_uri")
		}
	}
	return nil
}

// fetchSector GETs a sector_identifier_uri and returns the URIs its JSON
// array lists. Its errors are sentences for error_description: they hold
// no internal detail.
func (s *Server) fetchSector(ctx context.Context, raw string, guarded bool) ([]string, error) {
	hc := s.sector.trusted
	if guarded {
		hc = s.sector.guarded
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, fmt.Errorf("is not a valid URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	switch {
	case egress.IsBlocked(err):
		return nil, fmt.Errorf("resolves to a loopback, private or link-local address")
	case err != nil:
		s.log.Info().Err(err).Str("sector_identifier_uri", raw).Msg("oauth: sector_identifier_uri fetch failed")
		return nil, fmt.Errorf("could not be fetched")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("answered HTTP %d, not 200", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSectorBody+1))
	if err != nil {
		return nil, fmt.Errorf("could not be read")
	}
	if len(body) > maxSectorBody {
		return nil, fmt.Errorf("answered more than %d bytes", maxSectorBody)
	}
	var listed []string
	if err := json.Unmarshal(body, &listed); err != nil || listed == nil || len(listed) > maxSectorEntries {
		return nil, fmt.Errorf("did not answer a JSON array of at most %d URIs", maxSectorEntries)
	}
	return listed, nil
}
