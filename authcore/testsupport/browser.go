package testsupport

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// Browser is an HTTP client with its own cookie jar that does not follow
// redirects, so a test sees every 303 of a flow and takes each hop as a
// browser would. Get, PostForm and Do fail the test on a transport error.
type Browser struct {
	t testing.TB
	// Client is the underlying client, for tests that need the jar or a
	// request of their own.
	Client *http.Client
}

// NewBrowser returns a Browser with an empty cookie jar.
func NewBrowser(t testing.TB) *Browser {
	return &Browser{t: t, Client: NewClient()}
}

// NewClient returns an http.Client with an empty cookie jar that does not
// follow redirects: the client inside a Browser, for tests that drive it
// themselves.
func NewClient() *http.Client {
	jar, _ := cookiejar.New(nil) // cookiejar.New never fails without options
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// Do sends req and returns the response with its body read and closed.
func (b *Browser) Do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, body, err := b.fetch(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, body
}

// Get fetches u.
func (b *Browser) Get(u string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	return b.Do(req)
}

// PostForm posts v to u as application/x-www-form-urlencoded.
func (b *Browser) PostForm(u string, v url.Values) (*http.Response, string) {
	b.t.Helper()
	return b.Do(formRequest(u, v))
}

func (b *Browser) fetch(req *http.Request) (*http.Response, string, error) {
	resp, err := b.Client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

func formRequest(u string, v url.Values) *http.Request {
	req, _ := http.NewRequest("POST", u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}
