package dpop

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"time"
)

// Binding is an access token's confirmation claim (RFC 7800 §3.1): the
// DPoP key it is bound to (cnf.jkt, RFC 9449 §6.1) and the TLS client
// certificate it is bound to (cnf.x5t#S256, RFC 8705 §3.1). Both empty:
// a plain bearer token.
type Binding struct {
	JKT string `json:"jkt,omitempty"`
	X5T string `json:"x5t#S256,omitempty"`
}

// Presented is an access token as one request to a resource carried it.
type Presented struct {
	Request *http.Request
	Token   string
	// DPoPScheme is set when the Authorization scheme was DPoP rather
	// than Bearer (RFC 9449 §7.1).
	DPoPScheme bool
	// URL is the resource's URL for this request, normalised with
	// NormalizeHTU: what the proof's htu must name. "" when it cannot be
	// known (then a DPoP-bound token is refused with invalid_request).
	URL     string
	Binding Binding
}

// Replay remembers the jtis of proofs seen (RFC 9449 §11.1).
type Replay interface {
	// Fresh records key until until and reports whether it was new. An
	// error means the cache cannot tell; the proof is then refused.
	Fresh(ctx context.Context, key string, until, now time.Time) (bool, error)
}

// Fresh implements Replay in memory.
func (c *ReplayCache) Fresh(_ context.Context, key string, until, now time.Time) (bool, error) {
	return c.Add(key, until, now), nil
}

// Enforcer checks an access token's sender constraint at a resource: the
// one check /userinfo, the gateway and the console API share.
type Enforcer struct {
	// Replay is the proof jti cache; required.
	Replay Replay
	// Now is the clock (nil: time.Now); MaxAge, Leeway and MaxBytes are
	// those of Expect (zero: the defaults).
	Now      func() time.Time
	MaxAge   time.Duration
	Leeway   time.Duration
	MaxBytes int
}

// BindingError is why a presented token was refused. Status is 401, 400
// (the request URL cannot be checked) or 503 (the replay cache failed);
// Code is the RFC 6750 §3.1 / RFC 9449 §7.1 error code, Description a
// public sentence, Reason a short label for logs and metrics. DPoP is
// set when the request used the DPoP scheme, so the challenge answers in
// it (a resource may also challenge a DPoP-bound token sent as Bearer
// with DPoP, RFC 9449 §7.2). Err is the internal cause of a 503, never for
// a client.
type BindingError struct {
	Status      int
	Code        string
	Reason      string
	Description string
	DPoP        bool
	Err         error
}

// Error implements error.
func (e *BindingError) Error() string { return "dpop: " + e.Reason + ": " + e.Description }

func tokenError(reason, desc string, p Presented) *BindingError {
	return &BindingError{Status: http.StatusUnauthorized, Code: "invalid_token", Reason: reason,
		Description: desc, DPoP: p.DPoPScheme}
}

// Check enforces p's binding (RFC 9449 §7.1, §7.2; RFC 8705 §3). A
// DPoP-bound token needs the DPoP scheme and one proof of its key for this
// request (htm, htu, iat window, ath), never seen before; presented as
// Bearer it is invalid_token. The DPoP scheme with an unbound token is
// refused too. A certificate-bound token needs the same TLS client
// certificate. nil means the request may proceed.
func (e *Enforcer) Check(p Presented) *BindingError {
	b := p.Binding
	switch {
	case b.JKT != "" && !p.DPoPScheme:
		return tokenError("dpop_bound_as_bearer", "this access token is DPoP-bound; send it with the DPoP scheme and a proof", p)
	case b.JKT == "" && p.DPoPScheme:
		return tokenError("dpop_unbound_token", "this access token is not DPoP-bound; send it with the Bearer scheme", p)
	case b.JKT != "":
		if err := e.proof(p); err != nil {
			return err
		}
	}
	if b.X5T != "" {
		got := CertThumbprint(p.Request)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(b.X5T)) != 1 {
			return tokenError("mtls_mismatch", "this access token is bound to a client certificate; present that certificate", p)
		}
	}
	return nil
}

// proof checks the request's single DPoP proof against p.
func (e *Enforcer) proof(p Presented) *BindingError {
	if p.URL == "" {
		return &BindingError{Status: http.StatusBadRequest, Code: "invalid_request", Reason: "bad_request_url",
			Description: "the request URL cannot be checked against the DPoP proof"}
	}
	raw, present, err := FromHeader(p.Request.Header)
	if err != nil || !present {
		return proofError("dpop_count", "send exactly one DPoP proof header")
	}
	now := time.Now()
	if e.Now != nil {
		now = e.Now()
	}
	pr, err := Check(raw, Expect{Method: p.Request.Method, URL: p.URL, AccessToken: p.Token,
		Now: now, MaxAge: e.MaxAge, Leeway: e.Leeway, MaxBytes: e.MaxBytes})
	var pe *Error
	if errors.As(err, &pe) {
		return proofError(pe.Reason, pe.Description)
	} else if err != nil {
		return proofError("dpop_malformed", "the DPoP proof is not a well-formed JWT")
	}
	if pr.JKT != p.Binding.JKT {
		return tokenError("dpop_key_mismatch", "the DPoP proof's key is not the key the access token is bound to", p)
	}
	fresh, err := e.Replay.Fresh(p.Request.Context(), pr.JKT+":"+pr.JTI, pr.ReplayUntil, now)
	switch {
	case err != nil:
		return &BindingError{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable",
			Reason: "dpop_replay_unknown", Description: "the DPoP proof cannot be checked now; retry later", Err: err}
	case !fresh:
		return proofError("dpop_replay", "the DPoP proof was already used; send a fresh proof with each request")
	}
	return nil
}

func proofError(reason, desc string) *BindingError {
	return &BindingError{Status: http.StatusUnauthorized, Code: "invalid_dpop_proof", Reason: reason,
		Description: desc, DPoP: true}
}

// CertThumbprint is the base64url SHA-256 of the request's TLS client
// certificate (RFC 8705 §3.1), or "" without one.
func CertThumbprint(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return ""
	}
	sum := sha256.Sum256(r.TLS.PeerCertificates[0].Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
