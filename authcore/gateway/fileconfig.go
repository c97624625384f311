package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/latchkey/latchkey/authcore"
)

// FileConfig is a standalone gateway's configuration file (JSON, or YAML
// with the same names):
//
//	{"issuer": "https://as.example", "listen": "127.0.0.1:8480",
//	 "audience": "https://api.example",
//	 "routes": [{"prefix": "/api/", "upstream": "http://127.0.0.1:9000",
//	             "scopes": ["a"], "rate_limit": {"per_client": "100/s", "per_ip": "10/s"}}],
//	 "feed": {"url": "https://as.example/revocations/feed", "credential": "..."},
//	 "introspection": {"client_id": "gw", "client_secret": "..."}}
//
// With several nodes, feed may list their feeds as "urls" (FeedFile).
type FileConfig struct {
	// Issuer is the exact iss of accepted tokens; its metadata gives the
	// JWKS (and introspection) endpoints.
	Issuer string `json:"issuer" yaml:"issuer"`
	// Listen is the address to serve on (default 127.0.0.1:8480).
	Listen string `json:"listen,omitempty" yaml:"listen,omitempty"`
	// Audience is the default aud for routes that name none.
	Audience string `json:"audience,omitempty" yaml:"audience,omitempty"`
	// JWKSURI skips discovery when set.
	JWKSURI string `json:"jwks_uri,omitempty" yaml:"jwks_uri,omitempty"`
	// Leeway is the clock skew allowed, as a Go duration ("10s").
	Leeway string `json:"leeway,omitempty" yaml:"leeway,omitempty"`
	// PublicURL is how clients address the gateway (for DPoP htu).
	PublicURL string  `json:"public_url,omitempty" yaml:"public_url,omitempty"`
	Routes    []Route `json:"routes" yaml:"routes"`
	// Feed is the server's revocation feed; without it (and without
	// "revocation": "none") the file is refused.
	Feed *FeedFile `json:"feed,omitempty" yaml:"feed,omitempty"`
	// Revocation "none" runs without a revocation feed, knowingly.
	Revocation    string               `json:"revocation,omitempty" yaml:"revocation,omitempty"`
	Introspection *IntrospectionConfig `json:"introspection,omitempty" yaml:"introspection,omitempty"`
}

// FeedFile locates the revocation feed. With several Latchkey nodes on
// one database, URLs lists the feeds of the others: the gateway follows
// one and moves to the next when it fails, catching up on what it
// missed.
type FeedFile struct {
	URL        string   `json:"url,omitempty" yaml:"url,omitempty"`
	URLs       []string `json:"urls,omitempty" yaml:"urls,omitempty"`
	Credential string   `json:"credential" yaml:"credential"`
}

// all returns URL followed by URLs.
func (f FeedFile) all() []string {
	if f.URL == "" {
		return f.URLs
	}
	return append([]string{f.URL}, f.URLs...)
}

// validate checks that there is at least one feed URL, each http(s).
func (f FeedFile) validate() error {
	urls := f.all()
	if len(urls) == 0 || f.Credential == "" {
		return invalidf("feed needs a url (or urls) and the credential")
	}
	for _, s := range urls {
		if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return invalidf("feed url %q must be an http(s) URL of a Latchkey node's /revocations/feed", s)
		}
	}
	return nil
}

// DefaultListen is the standalone gateway's default address.
const DefaultListen = "127.0.0.1:8480"

// LoadConfig reads and validates the file at path: YAML when it ends in
// .yaml or .yml, JSON otherwise. Unknown fields are errors that name the
// field.
func LoadConfig(path string) (FileConfig, error) {
	var fc FileConfig
	raw, err := os.ReadFile(path)
	if err != nil {
		return fc, fmt.Errorf("gateway: config: %w", err)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		err = dec.Decode(&fc)
	default:
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err = dec.Decode(&fc); err == nil && dec.More() {
			err = errors.New("extra data after the JSON object")
		}
	}
	if err != nil {
		return fc, fmt.Errorf("gateway: config %s: %v", path, err)
	}
	if fc.Listen == "" {
		fc.Listen = DefaultListen
	}
	if err := fc.Validate(); err != nil {
		if msg, ok := authcore.PublicMessage(err, ErrInvalidConfig); ok {
			return fc, fmt.Errorf("gateway: config %s: %s", path, msg)
		}
		return fc, err
	}
	return fc, nil
}

// Validate checks the file's settings and each route, with messages that
// say what to change.
func (fc FileConfig) Validate() error {
	u, err := url.Parse(fc.Issuer)
	if fc.Issuer == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalidf("issuer must be the authorization server's https URL")
	}
	if _, _, err := net.SplitHostPort(fc.Listen); err != nil {
		return invalidf("listen %q must be host:port", fc.Listen)
	}
	if fc.Leeway != "" {
		d, err := time.ParseDuration(fc.Leeway)
		if err != nil || d < 0 || d > 5*time.Minute {
			return invalidf("leeway %q must be a duration up to 5m, such as 10s", fc.Leeway)
		}
	}
	switch {
	case fc.Feed != nil && fc.Feed.validate() != nil:
		return fc.Feed.validate()
	case fc.Feed == nil && fc.Revocation != "none":
		return invalidf(`set feed (url and credential of the revocation feed), or "revocation": "none" to run without one`)
	case fc.Revocation != "" && fc.Revocation != "none":
		return invalidf(`revocation %q: the only value is "none"`, fc.Revocation)
	}
	if fc.Introspection != nil && (fc.Introspection.ClientID == "" || fc.Introspection.ClientSecret == "") {
		return invalidf("introspection needs client_id and client_secret")
	}
	if len(fc.Routes) == 0 {
		return invalidf("routes is empty; add at least one route with prefix and upstream")
	}
	for i, rt := range fc.Routes {
		if err := rt.Validate(); err != nil {
			return within(err, fmt.Sprintf("routes[%d]", i))
		}
		if rt.Audience == "" && fc.Audience == "" {
			return invalidf("routes[%d] (%s): set audience on the route or at the top level", i, rt.Prefix)
		}
		if rt.Introspect && fc.Introspection == nil {
			return invalidf("routes[%d] (%s): introspect needs the introspection section", i, rt.Prefix)
		}
	}
	return nil
}
