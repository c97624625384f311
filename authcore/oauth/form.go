package oauth

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// maxParams bounds the number of parameters in one request.
const maxParams = 64

// params are request parameters after the OAuth 2.1 §3.1 rules: no
// parameter appears twice, and an empty value counts as omitted.
type params map[string]string

// get returns the value of name, "" when omitted or empty.
func (p params) get(name string) string { return p[name] }

// has reports whether name was sent with a non-empty value.
func (p params) has(name string) bool { return p[name] != "" }

// parseParams applies the duplicate and empty-value rules to raw, a query
// string or a form body (application/x-www-form-urlencoded, OAuth 2.1
// App. B). dup names the first duplicated parameter, if any, so callers
// can decide how to answer it.
func parseParams(raw string) (p params, dup string, err error) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, "", errInvalidRequest("malformed parameters")
	}
	if len(vals) > maxParams {
		return nil, "", errInvalidRequest("too many parameters")
	}
	p = make(params, len(vals))
	for k, vs := range vals {
		if k == "resource" && len(vs) > 1 { // RFC 8707 §2: may repeat, resource.go
			vs = []string{joinResources(vs)}
		}
		if len(vs) > 1 {
			if dup == "" || k < dup {
				dup = k
			}
			continue
		}
		if vs[0] != "" {
			p[k] = vs[0]
		}
	}
	return p, dup, nil
}

// readForm reads a POST body that must be application/x-www-form-urlencoded,
// capped at limit bytes (413 past it), and parses it with parseParams.
// Duplicate parameters are invalid_request.
func readForm(w http.ResponseWriter, r *http.Request, limit int64) (params, error) {
	body, err := readBody(w, r, limit)
	if err != nil {
		return nil, err
	}
	p, dup, err := parseParams(body)
	if err != nil {
		return nil, err
	}
	if dup != "" {
		return nil, errInvalidRequest("parameter " + dup + " sent more than once")
	}
	return p, nil
}

// readBody returns a form body after the content-type and size checks.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (string, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return "", errInvalidRequest("content type must be application/x-www-form-urlencoded")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", newError(CodeInvalidRequest, http.StatusRequestEntityTooLarge,
				"request body too large")
		}
		return "", errInvalidRequest("unreadable request body")
	}
	return string(body), nil
}

// credentialParams may never travel in a URL query (OAuth 2.1 §2.4.1).
var credentialParams = []string{
	"client_secret", "client_assertion", "code", "code_verifier", "refresh_token",
	"password", "token", "access_token",
}

// checkQuery rejects credentials in the URL of a POST endpoint.
func checkQuery(r *http.Request) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return errInvalidRequest("malformed query")
	}
	for _, name := range credentialParams {
		if _, ok := q[name]; ok {
			return errInvalidRequest("credentials must not be sent in the URL")
		}
	}
	return nil
}
