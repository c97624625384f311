package gateway

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// MaxFormTokenBytes bounds the form body the gateway reads, before the
// request is authenticated, to find an access token on a route with
// FormTokens (RFC 6750 §2.2). A larger form carrying the token is refused
// (413): send big bodies with the token in the Authorization header, and
// they stream to the upstream unread.
const MaxFormTokenBytes = 64 << 10

// formToken looks for access_token in a form-encoded body (RFC 6750
// §2.2: a single-part application/x-www-form-urlencoded body of a method
// that has one, not GET). It is called only on routes with FormTokens.
// It reads at most MaxFormTokenBytes+1 bytes and puts what it read back
// in front of the rest, so the upstream still gets the whole body. With
// an Authorization header (header true) the form only matters for
// catching two methods at once, so a body longer than the bound is
// passed on unread; without one, it is refused. A found token is cut out
// of the forwarded body unless strip is false (KeepAuthorization).
func formToken(r *http.Request, header, strip bool) (tok string, found bool, d *denial) {
	if r.Body == nil || r.Body == http.NoBody || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return "", false, nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return "", false, nil
	}
	tooLarge := plainDenial(http.StatusRequestEntityTooLarge, CodeTooLarge, "form_token_body_too_large",
		"a form body that carries the access token may be at most 64 KiB; send the token in the Authorization header")
	if r.ContentLength > MaxFormTokenBytes {
		if header {
			return "", false, nil
		}
		return "", false, tooLarge
	}
	rest := r.Body
	head, err := io.ReadAll(io.LimitReader(rest, MaxFormTokenBytes+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", false, plainDenial(http.StatusRequestEntityTooLarge, CodeTooLarge, "body_too_large",
				"the request body is larger than this API accepts")
		}
		return "", false, requestDenial("body_unreadable", "the request body could not be read")
	}
	if len(head) > MaxFormTokenBytes {
		if !header {
			return "", false, tooLarge
		}
		r.Body = readCloser{io.MultiReader(bytes.NewReader(head), rest), rest}
		return "", false, nil
	}
	form, _ := url.ParseQuery(string(head))
	switch n := len(form["access_token"]); {
	case n > 1:
		return "", false, requestDenial("multiple_form_tokens", "send exactly one access token")
	case n == 1:
		tok, found = form.Get("access_token"), true
		if strip {
			head = withoutField(head, "access_token")
		}
	}
	r.Body = readCloser{bytes.NewReader(head), rest}
	r.ContentLength = int64(len(head))
	r.TransferEncoding = nil
	return tok, found, nil
}

// withoutField returns a form body without its name=... pairs, every
// other byte as it was.
func withoutField(body []byte, name string) []byte {
	out := make([]byte, 0, len(body))
	for _, pair := range bytes.Split(body, []byte("&")) {
		k, _, _ := bytes.Cut(pair, []byte("="))
		if key, err := url.QueryUnescape(string(k)); err == nil && key == name {
			continue
		}
		if len(out) > 0 {
			out = append(out, '&')
		}
		out = append(out, pair...)
	}
	return out
}

// readCloser reads from one reader and closes the original body.
type readCloser struct {
	io.Reader
	io.Closer
}
