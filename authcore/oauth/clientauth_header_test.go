package oauth

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// The Authorization header of a client request, read once for the
// ceilings and the authentication: two headers are invalid_request, a
// scheme other than Basic or malformed Basic credentials invalid_client
// (401), each whatever else the form holds; one good header still
// authenticates.
func TestClientAuthorizationHeader(t *testing.T) {
	e := newEnv(t)
	c := e.client(ClientSpec{Name: "svc", Type: authcore.Confidential,
		GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}})
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ID)+":"+url.QueryEscape(c.secret)))
	form := url.Values{"grant_type": {"client_credentials"}}
	for _, tc := range []struct {
		name    string
		headers []string
		status  int
		code    string
	}{
		{"one Basic header", []string{basic}, http.StatusOK, ""},
		{"two headers", []string{basic, basic}, http.StatusBadRequest, CodeInvalidRequest},
		{"an empty header then Basic", []string{"", basic}, http.StatusBadRequest, CodeInvalidRequest},
		{"Bearer", []string{"Bearer abc"}, http.StatusUnauthorized, CodeInvalidClient},
		{"Basic not base64", []string{"Basic !!!"}, http.StatusUnauthorized, CodeInvalidClient},
		{"Basic without a colon", []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(c.ID))}, http.StatusUnauthorized, CodeInvalidClient},
	} {
		req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, h := range tc.headers {
			req.Header.Add("Authorization", h)
		}
		r := e.do(req)
		if r.status != tc.status || r.str("error") != tc.code {
			t.Errorf("%s: %d %s", tc.name, r.status, r.raw)
		}
	}
}
