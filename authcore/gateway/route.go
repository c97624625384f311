package gateway

import (
	"net/http"
)

// Identity header names passed upstream (always removed from the client's
// request first, so a client can never forge them).
const (
	HeaderSubject = "X-Auth-Subject"
	HeaderClient  = "X-Auth-Client"
	HeaderScopes  = "X-Auth-Scopes"
)

// Route is one protected API: which requests it takes and what they must
// carry. Routes are values; the gateway compiles a set of them into an
// immutable table (SetRoutes). The JSON and YAML names are those of the
// standalone configuration file and of the routes the server stores.
type Route struct {
	// Name identifies the route in stats, audit events and the realm of
	// its challenges (RFC 6750 §3); default: the prefix.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Prefix is the path prefix, starting with "/". The longest matching
	// prefix wins; a prefix without a trailing slash matches itself and
	// the paths below it ("/api" matches "/api" and "/api/x", not
	// "/apix").
	Prefix string `json:"prefix" yaml:"prefix"`
	// Host, if set, restricts the route to that Host header (case
	// insensitive, port ignored).
	Host string `json:"host,omitempty" yaml:"host,omitempty"`
	// Methods, if set, are the only methods allowed; others get 405.
	Methods []string `json:"methods,omitempty" yaml:"methods,omitempty"`

	// Upstream is the base URL requests are proxied to (http or https).
	// Exactly one of Upstream and Handler is set.
	Upstream string `json:"upstream,omitempty" yaml:"upstream,omitempty"`
	// Handler serves the route in process (the demo API).
	Handler http.Handler `json:"-" yaml:"-"`
	// StripPrefix removes Prefix from the path before proxying.
	StripPrefix bool `json:"strip_prefix,omitempty" yaml:"strip_prefix,omitempty"`

	// Scopes must all be in the token's scope (RFC 6750 §3.1
	// insufficient_scope names the first missing one).
	Scopes []string `json:"scopes,omitempty" yaml:"scopes,omitempty"`
	// AnyScopes, if set, needs at least one of them in the token.
	AnyScopes []string `json:"any_scopes,omitempty" yaml:"any_scopes,omitempty"`
	// Audience must be in the token's aud (RFC 9068 §4, RFC 8725 §3.9);
	// default: Config.Audience. One of them must be set.
	Audience string `json:"audience,omitempty" yaml:"audience,omitempty"`
	// Clients, if set, are the only client_ids allowed (403 otherwise).
	Clients []string `json:"clients,omitempty" yaml:"clients,omitempty"`
	// ACR, if set, is the weakest authentication context class a token's
	// sign-in must have (its acr claim); a weaker one gets 401 with
	// insufficient_user_authentication (RFC 9470). Latchkey's classes are
	// ordered (password < mfa < phishing-resistant); any other value must
	// match exactly. acr.go.
	ACR string `json:"acr,omitempty" yaml:"acr,omitempty"`
	// RequireAuthorizationDetailsType, if set, is an RFC 9396 type the
	// token's authorization_details must hold an object of; a token
	// without one gets 403 insufficient_scope. authzdetails.go.
	RequireAuthorizationDetailsType string `json:"require_authorization_details_type,omitempty" yaml:"require_authorization_details_type,omitempty"`

	// RateLimit limits requests per client and per remote IP.
	RateLimit RateLimit `json:"rate_limit,omitzero" yaml:"rate_limit,omitempty"`
	// MaxBodyBytes caps the request body (413 beyond); 0 means
	// Config.MaxBodyBytes.
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty" yaml:"max_body_bytes,omitempty"`
	// FormTokens also accepts the access token as access_token in a form
	// body of at most MaxFormTokenBytes (RFC 6750 §2.2), for clients that
	// cannot set headers. Off by default: the body is then never read
	// before the request is authorised, and streams to the upstream.
	FormTokens bool `json:"form_tokens,omitempty" yaml:"form_tokens,omitempty"`
	// KeepAuthorization forwards the Authorization and DPoP headers
	// upstream (and a form's access_token); by default they are removed.
	KeepAuthorization bool `json:"keep_authorization,omitempty" yaml:"keep_authorization,omitempty"`
	// IdentityHeaders are the X-Auth-* headers set for the upstream; nil
	// means all three, an empty list none.
	IdentityHeaders []string `json:"identity_headers,omitempty" yaml:"identity_headers,omitempty"`
	// CORS, if set, allows browser calls from its explicit origins.
	CORS *CORS `json:"cors,omitempty" yaml:"cors,omitempty"`

	// RevocationFailOpen lets requests through while revocation status is
	// unknown (the feed is down). Default: fail closed with 503.
	RevocationFailOpen bool `json:"revocation_fail_open,omitempty" yaml:"revocation_fail_open,omitempty"`
	// Introspect asks the issuer (RFC 7662) about every token on this
	// route, in addition to local verification, for revocation-sensitive
	// APIs. Needs Config.Introspector.
	Introspect bool `json:"introspect,omitempty" yaml:"introspect,omitempty"`
}

// RateLimit is a pair of token buckets. Rates are written "N/s", "N/m" or
// "N/h"; N is also the bucket size unless Burst is set. Empty means no
// limit.
type RateLimit struct {
	PerClient string `json:"per_client,omitempty" yaml:"per_client,omitempty"`
	PerIP     string `json:"per_ip,omitempty" yaml:"per_ip,omitempty"`
	Burst     int    `json:"burst,omitempty" yaml:"burst,omitempty"`
}

// CORS is a route's cross-origin policy (Fetch standard §3.2). Origins are
// explicit: "*" and "null" are refused by Validate.
type CORS struct {
	Origins          []string `json:"origins" yaml:"origins"`
	Headers          []string `json:"headers,omitempty" yaml:"headers,omitempty"`
	AllowCredentials bool     `json:"allow_credentials,omitempty" yaml:"allow_credentials,omitempty"`
	MaxAgeSeconds    int      `json:"max_age_seconds,omitempty" yaml:"max_age_seconds,omitempty"`
}
