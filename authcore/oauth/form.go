package oauth

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
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

// formType is the media type of every form POST (OAuth 2.1 App. B).
const formType = "application/x-www-form-urlencoded"

// isFormType reports whether a Content-Type header names formType. The
// bare type, as clients send it, is told without parsing the header.
func isFormType(ct string) bool {
	if strings.EqualFold(ct, formType) {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == formType
}

// readBody returns a form body after the content-type and size checks.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (string, error) {
	if !isFormType(r.Header.Get("Content-Type")) {
		return "", errInvalidRequest("content type must be application/x-www-form-urlencoded")
	}
	body, err := readAllSized(http.MaxBytesReader(w, r.Body, limit), r.ContentLength, limit)
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

// maxPresized bounds what readAllSized allocates before the bytes
// arrive: a client announcing a large body it never sends does not get
// that much memory reserved.
const maxPresized = 64 << 10

// readAllSized is io.ReadAll for a body that announced its size (the
// request's Content-Length, -1 when unknown): when the size is within
// limit and maxPresized, the buffer is allocated once at that size
// instead of grown from 512 bytes. What it returns is io.ReadAll's,
// whatever the body holds.
func readAllSized(r io.Reader, size, limit int64) ([]byte, error) {
	if size < 0 || size > limit || size > maxPresized {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, size+1) // +1: the read that meets EOF needs room
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
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
