package flow

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The flows Run knows, as Options.Flow values.
const (
	FlowAuthorizationCode = "authorization_code"
	FlowClientCredentials = "client_credentials"
	FlowRefresh           = "refresh"
	FlowDevice            = "device"
	FlowTokenExchange     = "token_exchange"
	FlowIntrospect        = "introspect"
	FlowRevoke            = "revoke"
	FlowUserinfo          = "userinfo"
	FlowCallAPI           = "call_api"
	FlowFederation        = "federation"
	FlowCIBA              = "ciba"
)

// Flows lists every flow name in the order the console offers them.
func Flows() []string {
	return []string{FlowAuthorizationCode, FlowClientCredentials, FlowRefresh, FlowDevice,
		FlowTokenExchange, FlowIntrospect, FlowRevoke, FlowUserinfo, FlowCallAPI, FlowFederation, FlowCIBA}
}

// Client authentication methods (RFC 8414 §2, token_endpoint_auth_methods).
const (
	AuthSecretBasic = "client_secret_basic"
	AuthSecretPost  = "client_secret_post"
	AuthNone        = "none"
)

// DefaultTimeout bounds a whole run when Options.Timeout is zero; it leaves
// time for a person to sign in during the code and device flows.
const DefaultTimeout = 5 * time.Minute

// DefaultAPIPath is appended to the issuer when Options.APIURL is empty:
// the gateway's demo API.
const DefaultAPIPath = "/demo/api/profile"

// Options configures one Run. Issuer, ClientID and Flow are required.
type Options struct {
	// Issuer is the issuer identifier whose metadata is read first.
	Issuer string
	// ClientID and ClientSecret identify the client. An empty secret makes
	// the client public (token_endpoint_auth_method none).
	ClientID     string
	ClientSecret string
	// AuthMethod forces client_secret_basic, client_secret_post or none;
	// empty picks from the issuer's advertised methods, preferring Basic.
	AuthMethod string
	// Flow is one of the Flow* constants.
	Flow string
	// Scope is the space-separated scope to request. Empty means: openid
	// (plus offline_access for refresh) when the issuer supports them for
	// user flows, and no scope parameter for client_credentials.
	Scope string
	// Resource is an RFC 8707 resource indicator sent with authorization
	// and token requests (and the RFC 8693 resource in token exchange).
	Resource string
	// Audience is the RFC 8693 audience for token exchange.
	Audience string
	// RedirectURI is the loopback redirect of the code flow. Empty means
	// http://127.0.0.1:<random port>/callback; when set it must be an
	// http URI on a loopback address, and its port is listened on.
	RedirectURI string
	// APIURL is the route called by call_api; empty means the issuer plus
	// DefaultAPIPath.
	APIURL string
	// ResponseMode asks the code flow for a JWT-secured authorization
	// response (JARM): query.jwt or jwt; empty is the plain query.
	ResponseMode string
	// AuthorizationDetails is a JSON array of RFC 9396 authorization
	// details sent with the code flow's authorization request and the
	// client credentials grant; the token step compares what was granted
	// with it. Empty sends none.
	AuthorizationDetails string
	// Subject is what an administrator knows of the client's subject type
	// (the console, or the CLI with admin access), used to explain the
	// sub; nil falls back to the issuer's metadata.
	Subject *SubjectInfo
	// FromAPI starts from APIURL alone (RFC 9728): the issuer, the
	// resource indicator and (unless Scope is set) the scopes come from
	// the protected resource metadata its 401 names; Issuer may be empty.
	FromAPI bool
	// Token is the token that introspect, revoke, userinfo, call_api and
	// token_exchange start from (the subject token of token exchange).
	// When empty, one is obtained first (client credentials for a
	// confidential client, else the code flow; always the code flow for
	// userinfo).
	Token string
	// TokenTypeHint is the token_type_hint for introspect and revoke
	// (access_token or refresh_token); empty sends none.
	TokenTypeHint string
	// RefreshToken is where the refresh flow starts; empty runs the code
	// flow first to obtain one.
	RefreshToken string
	// Prompt is the OIDC prompt parameter of the authorization request
	// (e.g. "login" to sign in again although a session exists; OIDC Core
	// §3.1.2.1); empty sends none.
	Prompt string
	// ACRValues is the space-separated acr_values of the authorization
	// request (OIDC Core §3.1.2.1): the sign-in strength asked for, e.g.
	// urn:latchkey:acr:mfa. The ID token check flags an acr that does not
	// honour it. Empty sends none.
	ACRValues string
	// ExternalIssuer, ExternalClientID and ExternalClientSecret are the
	// external OpenID provider of the federation flow and the client
	// registered there (with the loopback redirect); an empty secret makes
	// that client public. ExternalScope is the scope asked of the provider
	// (default openid). The Latchkey client (ClientID, ClientSecret)
	// performs the token exchange; Resource (default the issuer),
	// Audience and Scope are asked of Latchkey; APIURL is the gateway
	// route called with the result.
	ExternalIssuer       string
	ExternalClientID     string
	ExternalClientSecret string
	ExternalScope        string
	// LoginHint names the user of the CIBA flow (a username at Latchkey)
	// and BindingMessage is the short text shown to them with the request
	// (CIBA Core §7.1).
	LoginHint      string
	BindingMessage string
	// RevealSecrets records secrets in full instead of masking them.
	RevealSecrets bool
	// HTTPClient makes every request; nil means a client with a 30 s
	// timeout that does not follow redirects.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand supplies state, nonce and the PKCE verifier; nil means
	// crypto/rand.
	Rand io.Reader
	// Sleep waits between device-flow polls; nil means a timer that stops
	// when ctx ends. Tests inject an instant one.
	Sleep func(ctx context.Context, d time.Duration) error
	// OpenBrowser opens the authorization (or device verification) URL in
	// the system browser; nil only reports it through OnAuthURL.
	OpenBrowser func(url string) error
	// OnAuthURL receives the authorization URL (or the device flow's
	// verification URI) as soon as it is known, e.g. for --no-browser.
	OnAuthURL func(url string)
	// OnDeviceCode receives the device flow's user code and verification
	// URIs before polling starts.
	OnDeviceCode func(DeviceCode)
	// OnStep receives each step as soon as it is recorded.
	OnStep func(*Step)
	// Timeout bounds the whole run, including waiting for the browser;
	// zero means DefaultTimeout.
	Timeout time.Duration
}

// DeviceCode is what RFC 8628 §3.2 tells the user: the code to enter and
// where.
type DeviceCode struct {
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete,omitempty"`
	ExpiresIn               int    `json:"expires_in"`
	Interval                int    `json:"interval"`
}

// validate checks the required fields and fills the defaults in place.
func (o *Options) validate() error {
	o.Issuer = strings.TrimSpace(o.Issuer)
	if o.ResponseMode != "" && !slices.Contains(jarmModes, o.ResponseMode) {
		return fmt.Errorf("flow: response mode %q is not one the loopback listener receives (want %s)",
			o.ResponseMode, strings.Join(jarmModes, " or "))
	}
	if o.AuthorizationDetails = strings.TrimSpace(o.AuthorizationDetails); o.AuthorizationDetails != "" {
		if err := validDetails(o.AuthorizationDetails); err != nil {
			return err
		}
	}
	if o.FromAPI && strings.TrimSpace(o.APIURL) == "" {
		return fmt.Errorf("flow: starting from an API needs its URL")
	}
	if (o.Issuer == "" && !o.FromAPI) || o.ClientID == "" {
		return fmt.Errorf("flow: Issuer and ClientID are required")
	}
	known := false
	for _, f := range Flows() {
		known = known || f == o.Flow
	}
	if !known {
		return fmt.Errorf("flow: unknown flow %q (want one of %s)", o.Flow, strings.Join(Flows(), ", "))
	}
	switch o.AuthMethod {
	case "", AuthSecretBasic, AuthSecretPost, AuthNone:
	default:
		return fmt.Errorf("flow: unknown client authentication method %q", o.AuthMethod)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Flow == FlowFederation {
		o.ExternalIssuer = strings.TrimSpace(o.ExternalIssuer)
		if o.ExternalIssuer == "" || o.ExternalClientID == "" {
			return fmt.Errorf("flow: the federation flow needs the external issuer and the client id registered there")
		}
		if o.Resource == "" && o.Audience == "" {
			o.Resource = o.Issuer
		}
	}
	if o.Flow == FlowCIBA && strings.TrimSpace(o.LoginHint) == "" {
		return fmt.Errorf("flow: the CIBA flow needs the user's login hint")
	}
	if o.APIURL == "" {
		o.APIURL = strings.TrimRight(o.Issuer, "/") + DefaultAPIPath
	}
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
