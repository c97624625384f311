package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// SavedFlow is a flow kept for re-running: issuer, client and parameters.
// The client secret is kept only when KeepSecret is set; tokens never are.
type SavedFlow struct {
	// Name identifies the saved flow and names its file.
	Name         string `json:"name"`
	Issuer       string `json:"issuer"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	KeepSecret   bool   `json:"keep_secret,omitempty"`
	AuthMethod   string `json:"auth_method,omitempty"`
	Flow         string `json:"flow"`
	Scope        string `json:"scope,omitempty"`
	Resource     string `json:"resource,omitempty"`
	Audience     string `json:"audience,omitempty"`
	RedirectURI  string `json:"redirect_uri,omitempty"`
	APIURL       string `json:"api_url,omitempty"`
	Prompt       string `json:"prompt,omitempty"`
	// ResponseMode and ACRValues are the code flows' response_mode (JARM)
	// and acr_values; LoginHint and BindingMessage the CIBA request's.
	ResponseMode   string `json:"response_mode,omitempty"`
	ACRValues      string `json:"acr_values,omitempty"`
	LoginHint      string `json:"login_hint,omitempty"`
	BindingMessage string `json:"binding_message,omitempty"`
	// AuthorizationDetails is the RFC 9396 JSON array the flow sends.
	AuthorizationDetails string `json:"authorization_details,omitempty"`
	// The federation flow's external provider; its client secret is kept
	// only with KeepSecret, like the Latchkey client's.
	ExternalIssuer       string    `json:"external_issuer,omitempty"`
	ExternalClientID     string    `json:"external_client_id,omitempty"`
	ExternalClientSecret string    `json:"external_client_secret,omitempty"`
	ExternalScope        string    `json:"external_scope,omitempty"`
	Saved                time.Time `json:"saved,omitempty"`
}

// SavedFrom keeps o's parameters under name; the secret only if
// keepSecret.
func SavedFrom(name string, o Options, keepSecret bool) SavedFlow {
	sf := SavedFlow{Name: name, Issuer: o.Issuer, ClientID: o.ClientID, KeepSecret: keepSecret,
		AuthMethod: o.AuthMethod, Flow: o.Flow, Scope: o.Scope, Resource: o.Resource,
		Audience: o.Audience, RedirectURI: o.RedirectURI, APIURL: o.APIURL, Prompt: o.Prompt,
		ResponseMode: o.ResponseMode, ACRValues: o.ACRValues, LoginHint: o.LoginHint, BindingMessage: o.BindingMessage,
		AuthorizationDetails: o.AuthorizationDetails,
		ExternalIssuer:       o.ExternalIssuer, ExternalClientID: o.ExternalClientID, ExternalScope: o.ExternalScope}
	if keepSecret {
		sf.ClientSecret = o.ClientSecret
		sf.ExternalClientSecret = o.ExternalClientSecret
	}
	return sf
}

// Options returns the run options of a saved flow; the caller adds the
// secret (when not kept), the HTTP client and the callbacks.
func (sf SavedFlow) Options() Options {
	return Options{Issuer: sf.Issuer, ClientID: sf.ClientID, ClientSecret: sf.ClientSecret,
		AuthMethod: sf.AuthMethod, Flow: sf.Flow, Scope: sf.Scope, Resource: sf.Resource,
		Audience: sf.Audience, RedirectURI: sf.RedirectURI, APIURL: sf.APIURL, Prompt: sf.Prompt,
		ResponseMode: sf.ResponseMode, ACRValues: sf.ACRValues, LoginHint: sf.LoginHint, BindingMessage: sf.BindingMessage,
		AuthorizationDetails: sf.AuthorizationDetails,
		ExternalIssuer:       sf.ExternalIssuer, ExternalClientID: sf.ExternalClientID,
		ExternalClientSecret: sf.ExternalClientSecret, ExternalScope: sf.ExternalScope}
}

// fileName is the saved flow's file: its name made safe, plus .json.
func fileName(name string) (string, error) {
	var b strings.Builder
	for _, c := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteRune(c)
		case c == ' ' || c == '.':
			b.WriteRune('-')
		}
	}
	base := strings.Trim(b.String(), "-")
	if base == "" || len(base) > 100 {
		return "", fmt.Errorf("flow: saved flow name %q must have 1 to 100 letters, digits, '-' or '_'", name)
	}
	return base + ".json", nil
}

// Save writes sf to dir (created 0700 if missing) as <name>.json, mode
// 0600, replacing a saved flow of the same name. The secret is dropped
// unless sf.KeepSecret.
func Save(dir string, sf SavedFlow) error {
	fn, err := fileName(sf.Name)
	if err != nil {
		return err
	}
	if !sf.KeepSecret {
		sf.ClientSecret, sf.ExternalClientSecret = "", ""
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("flow: saved flows: %w", err)
	}
	b, err := json.MarshalIndent(sf, "", "  ")
	if err != nil {
		return fmt.Errorf("flow: saved flow: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".flow-*")
	if err != nil {
		return fmt.Errorf("flow: saved flow: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("flow: saved flow: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("flow: saved flow: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, fn)); err != nil {
		return fmt.Errorf("flow: saved flow: %w", err)
	}
	return nil
}

// LoadAll reads every saved flow in dir, sorted by name. A missing dir
// holds none; an unreadable file is an error naming it.
func LoadAll(dir string) ([]SavedFlow, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("flow: saved flows: %w", err)
	}
	out := []SavedFlow{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		var sf SavedFlow
		if err == nil {
			err = json.Unmarshal(b, &sf)
		}
		if err != nil {
			return nil, fmt.Errorf("flow: saved flow %s: %w", filepath.Base(p), err)
		}
		out = append(out, sf)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
