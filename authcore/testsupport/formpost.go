package testsupport

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// FormPost is an authorization response in the form_post response mode
// (OAuth 2.0 Form Post Response Mode §2): the page a browser would submit
// to the client at once.
type FormPost struct {
	// Action is where the form posts: the client's redirect URI.
	Action string
	// Fields are the form's hidden inputs, unescaped.
	Fields url.Values
	// CSP is the page's Content-Security-Policy header.
	CSP string
	// Body is the page itself.
	Body string
}

var (
	formPostRE = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	inputRE    = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// ParseFormPost reads a form_post page whose form leaves the issuer; it
// reports false for any other page.
func ParseFormPost(resp *http.Response, body, issuer string) (*FormPost, bool) {
	m := formPostRE.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		return nil, false
	}
	action := html.UnescapeString(m[1])
	if strings.HasPrefix(action, issuer) || strings.HasPrefix(action, "/") {
		return nil, false
	}
	fp := &FormPost{Action: action, Fields: url.Values{}, CSP: resp.Header.Get("Content-Security-Policy"), Body: body}
	for _, in := range inputRE.FindAllStringSubmatch(body, -1) {
		fp.Fields.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return fp, true
}
