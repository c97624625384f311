package gateway

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/authcore"
)

// Error codes the gateway answers with: RFC 6750 §3.1, RFC 9449 §7.1 and
// a few plain HTTP conditions.
const (
	CodeInvalidRequest    = "invalid_request"
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
	CodeInvalidDPoPProof  = "invalid_dpop_proof"
	CodeRateLimited       = "rate_limited"
	CodeUnavailable       = "temporarily_unavailable"
	CodeNotFound          = "not_found"
	CodeMethodNotAllowed  = "method_not_allowed"
	CodeTooLarge          = "request_too_large"
	CodeBadGateway        = "bad_gateway"
	CodeForbidden         = "forbidden"
)

// ErrInvalidConfig is the Kind of every authcore.InvalidError about a
// route or the gateway's configuration: its Message says what to change.
var ErrInvalidConfig = errors.New("gateway: invalid configuration")

// invalidf returns an invalid-configuration error with a message.
func invalidf(format string, a ...any) error { return authcore.Invalid(ErrInvalidConfig, format, a...) }

// within puts an invalid-configuration error under where ("routes[2]");
// any other error passes unchanged.
func within(err error, where string) error {
	if msg, ok := authcore.PublicMessage(err, ErrInvalidConfig); ok {
		return invalidf("%s: %s", where, msg)
	}
	return err
}

// DPoPAlgs is the algs parameter of DPoP challenges (RFC 9449 §7.1): the
// proof algorithms this gateway accepts.
const DPoPAlgs = "ES256 PS256 EdDSA"

// denial is one refused request: what the caller sees (status, code,
// public description, challenge) and what the audit log records (reason).
type denial struct {
	status int
	code   string // "" for a bare challenge (no credentials, RFC 6750 §3.1)
	desc   string // public: never internal, upstream or key detail
	reason string // audit and metrics label
	scope  string // insufficient_scope: the scope(s) needed
	acr    string // insufficient_user_authentication: acr_values needed
	dpop   bool   // answer with the DPoP scheme (RFC 9449 §7.1)
	// challenge is false for answers that carry no WWW-Authenticate
	// (404, 405, 413, 429, 503).
	challenge  bool
	retryAfter int // seconds; 0 means no Retry-After
	// metadata is the route's resource_metadata URL (RFC 9728 §5.1),
	// named in its challenges.
	metadata string
}

func (d *denial) Error() string { return "gateway: " + d.reason }

func tokenDenial(reason, desc string) *denial {
	return &denial{status: http.StatusUnauthorized, code: CodeInvalidToken, desc: desc, reason: reason, challenge: true}
}

func requestDenial(reason, desc string) *denial {
	return &denial{status: http.StatusBadRequest, code: CodeInvalidRequest, desc: desc, reason: reason, challenge: true}
}

func plainDenial(status int, code, reason, desc string) *denial {
	return &denial{status: status, code: code, desc: desc, reason: reason}
}

// noCredentials is RFC 6750 §3.1: a request without authentication gets
// a challenge with no error code.
func noCredentials() *denial {
	return &denial{status: http.StatusUnauthorized, reason: "no_credentials",
		desc: "this API requires an access token in the Authorization header", challenge: true}
}

// quote renders s as an RFC 9110 §5.6.4 quoted-string.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// challenge renders the WWW-Authenticate value for d in realm.
func (d *denial) challengeValue(realm string) string {
	meta := ""
	if d.metadata != "" {
		meta = ", resource_metadata=" + quote(d.metadata)
	}
	if d.code == "" {
		return "Bearer realm=" + quote(realm) + meta + ", DPoP algs=" + quote(DPoPAlgs)
	}
	var b strings.Builder
	if d.dpop {
		b.WriteString("DPoP realm=")
	} else {
		b.WriteString("Bearer realm=")
	}
	b.WriteString(quote(realm))
	b.WriteString(", error=")
	b.WriteString(quote(d.code))
	if d.scope != "" {
		b.WriteString(", scope=")
		b.WriteString(quote(d.scope))
	}
	if d.acr != "" {
		b.WriteString(", acr_values=")
		b.WriteString(quote(d.acr))
	}
	if d.dpop {
		b.WriteString(", algs=")
		b.WriteString(quote(DPoPAlgs))
	}
	b.WriteString(meta)
	return b.String()
}

// write answers d: challenge, Retry-After, and the JSON error body.
func (d *denial) write(w http.ResponseWriter, realm string) {
	h := w.Header()
	if d.challenge {
		h.Set("WWW-Authenticate", d.challengeValue(realm))
	}
	if d.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(d.retryAfter))
	}
	code := d.code
	if code == "" {
		code = CodeInvalidRequest
		if d.status == http.StatusUnauthorized {
			code = "unauthorized"
		}
	}
	writeJSON(w, d.status, map[string]string{"error": code, "error_description": d.desc})
}

// writeJSON writes v as the JSON body with status, never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
