package flow

import (
	"net/http"
	"time"
)

// Trace is the full record of one run: what was discovered, every step in
// order, the tokens obtained (decoded) and the lint findings. Run fills
// Findings with Lint before it returns.
type Trace struct {
	Flow     string `json:"flow"`
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
	// ClientAuth is how the client authenticated: client_secret_basic,
	// client_secret_post or none (a public client).
	ClientAuth string    `json:"client_auth,omitempty"`
	Started    time.Time `json:"started"`
	// ElapsedMS is the run's wall time in milliseconds.
	ElapsedMS float64 `json:"elapsed_ms"`
	// Revealed says secrets are shown in full (Options.RevealSecrets).
	Revealed bool `json:"revealed"`
	// DiscoveryURL is the metadata document that answered, and Metadata
	// its content.
	DiscoveryURL string         `json:"discovery_url,omitempty"`
	Metadata     map[string]any `json:"metadata,omitempty"`
	// ExternalIssuer and ExternalClientID are the external OpenID
	// provider and the client at it (the federation flow);
	// ExternalDiscoveryURL is its metadata document.
	ExternalIssuer       string  `json:"external_issuer,omitempty"`
	ExternalClientID     string  `json:"external_client_id,omitempty"`
	ExternalDiscoveryURL string  `json:"external_discovery_url,omitempty"`
	Steps                []*Step `json:"steps"`
	// Tokens are the tokens the flow ended with, decoded.
	Tokens   []Token   `json:"tokens,omitempty"`
	Findings []Finding `json:"findings,omitempty"`
	// Error is why the run stopped early, if it did.
	Error string `json:"error,omitempty"`

	raw map[string]string // unmasked tokens by name, never serialised
}

// RawTokens returns the tokens the run ended with, unmasked, by name
// (access_token, refresh_token, id_token, ...), so a caller can chain a
// further flow without revealing them in the trace. It is never part of
// the JSON.
func (t *Trace) RawTokens() map[string]string {
	out := make(map[string]string, len(t.raw))
	for k, v := range t.raw {
		out[k] = v
	}
	return out
}

// Step kinds.
const (
	KindHTTP     = "http"     // a request this client made
	KindBrowser  = "browser"  // a URL handed to the user's browser
	KindRedirect = "redirect" // a request the loopback listener received
	KindWait     = "wait"     // waiting (for the user, or between polls)
)

// Step is one thing the client did, with what it checked.
type Step struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Started   time.Time `json:"started"`
	ElapsedMS float64   `json:"elapsed_ms"`
	Request   *Request  `json:"request,omitempty"`
	Response  *Response `json:"response,omitempty"`
	Checks    []Check   `json:"checks,omitempty"`
	// Tokens are the tokens this step's response carried, decoded.
	Tokens []Token `json:"tokens,omitempty"`
	// Notes explain the step in words (e.g. "waited 5s (slow_down)").
	Notes []string `json:"notes,omitempty"`
	Error string   `json:"error,omitempty"`
}

// Request is an HTTP request as sent, secrets masked unless revealed.
type Request struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"header,omitempty"`
	Body   string      `json:"body,omitempty"`
}

// Response is an HTTP response as received, secrets masked unless
// revealed. Bodies are kept up to 1 MiB.
type Response struct {
	Status int         `json:"status"`
	Header http.Header `json:"header,omitempty"`
	Body   string      `json:"body,omitempty"`
}

// Check is one thing a step verified.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// check appends a check to s.
func (s *Step) check(name string, ok bool, detail string) {
	s.Checks = append(s.Checks, Check{Name: name, OK: ok, Detail: detail})
}

// note appends a note to s.
func (s *Step) note(text string) { s.Notes = append(s.Notes, text) }

// Check names Lint relies on; each is recorded by the step that observes
// it.
const (
	CheckStatus          = "status"
	CheckNoStore         = "cache_control_no_store"
	CheckState           = "state_round_trip"
	CheckIss             = "iss_in_authorization_response"
	CheckNonce           = "nonce_round_trip"
	CheckACR             = "acr_honoured"
	CheckSignature       = "signature"
	CheckIDTokenClaims   = "id_token_claims"
	CheckRotation        = "refresh_rotation"
	CheckReuseRejected   = "refresh_reuse_rejected"
	CheckFamilyRevoked   = "refresh_family_revoked"
	CheckIssuerMatch     = "metadata_issuer"
	CheckRevoked         = "revoked_token_inactive"
	CheckTokenType       = "token_type"
	CheckIssuedTokenType = "issued_token_type"
	CheckAccessToken     = "access_token_present"
	CheckIntrospection   = "introspection_active"
	CheckPKCE            = "pkce_s256"
	CheckExpiresIn       = "expires_in"
	CheckSubjectMatches  = "userinfo_sub"
	CheckAtHash          = "at_hash"
	CheckAzp             = "id_token_azp"
	// Rich authorization requests (rar.go) and pairwise subjects
	// (subject.go).
	CheckDetailsGranted = "authorization_details_granted"
	CheckDetailsInToken = "authorization_details_in_access_token"
	CheckSubjectAcross  = "sub_consistent"
	CheckSubjectType    = "sub_type" // always holds: it carries the sub explained to the findings
	// The federation flow's checks of the token exchange at Latchkey.
	CheckExternalAccepted  = "external_token_accepted"
	CheckExchangedAudience = "exchanged_audience"
	CheckExchangedSubject  = "exchanged_subject"
	CheckExchangedIssuer   = "exchanged_issuer"
)

// checks returns every check named name across the trace's steps.
func (t *Trace) checks(name string) []Check {
	var out []Check
	for _, s := range t.Steps {
		for _, c := range s.Checks {
			if c.Name == name {
				out = append(out, c)
			}
		}
	}
	return out
}
