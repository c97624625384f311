package flow

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// CheckResourceMetadata is the check of the RFC 9728 discovery that
// Options.FromAPI starts with.
const CheckResourceMetadata = "resource_metadata"

var resourceMetadataParam = regexp.MustCompile(`resource_metadata="([^"]+)"`)

// resourceMetadata is an RFC 9728 §2 protected resource metadata document.
type resourceMetadata struct {
	Resource             string   `json:"resource"`
	AuthorizationServers []string `json:"authorization_servers"`
	Scopes               []string `json:"scopes_supported"`
}

// fromAPI starts from Options.APIURL alone (RFC 9728 §5): it calls the
// API without a token, follows resource_metadata from the 401's
// WWW-Authenticate to the protected resource metadata, checks that its
// resource is the API's URL or a prefix of it (§3.3, §7.3), and takes the
// issuer (the first authorization server), the resource indicator and,
// unless Options name them, the scopes from it.
func (r *runner) fromAPI() error {
	s, rep, err := r.send("Call the API without a token", http.MethodGet, r.o.APIURL, nil, "")
	if err != nil {
		return err
	}
	m := resourceMetadataParam.FindStringSubmatch(rep.Header.Get("WWW-Authenticate"))
	s.check(CheckResourceMetadata, rep.Status == http.StatusUnauthorized && m != nil,
		fmt.Sprintf("HTTP %d; WWW-Authenticate: %s", rep.Status, rep.Header.Get("WWW-Authenticate")))
	if rep.Status != http.StatusUnauthorized || m == nil {
		return fmt.Errorf("flow: the API answered %d without a resource_metadata challenge (RFC 9728 §5.1)", rep.Status)
	}
	if u, err := url.Parse(m[1]); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("flow: resource_metadata %q is not an http(s) URL", m[1])
	}
	s, rep, err = r.send("Protected resource metadata", http.MethodGet, m[1], nil, "")
	if err != nil {
		return err
	}
	var prm resourceMetadata
	ok := rep.Status == http.StatusOK && json.Unmarshal(rep.Body, &prm) == nil && len(prm.AuthorizationServers) > 0
	s.check(CheckStatus, ok, fmt.Sprintf("HTTP %d", rep.Status))
	if !ok {
		return fmt.Errorf("flow: no usable protected resource metadata at %s", m[1])
	}
	match := prm.Resource != "" && (r.o.APIURL == prm.Resource || strings.HasPrefix(r.o.APIURL, strings.TrimSuffix(prm.Resource, "/")+"/"))
	s.check(CheckResourceMetadata, match, fmt.Sprintf("resource %q for the API %q; authorization servers %v",
		prm.Resource, r.o.APIURL, prm.AuthorizationServers))
	if !match {
		return fmt.Errorf("flow: the metadata's resource %q does not cover %q (RFC 9728 §3.3)", prm.Resource, r.o.APIURL)
	}
	r.o.Issuer, r.t.Issuer = prm.AuthorizationServers[0], prm.AuthorizationServers[0]
	if r.o.Resource == "" {
		r.o.Resource = prm.Resource
	}
	if r.o.Scope == "" {
		r.o.Scope = strings.Join(prm.Scopes, " ")
	}
	return nil
}
