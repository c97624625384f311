package cli

import (
	"net/http"
	"strings"
	"testing"
)

// The loopback admin port answers the console API under the main
// listener's rules: the Host must be the port's own (a DNS-rebinding page
// names its own host), a browser request must be same-origin, the body
// JSON (a CORS preflight a foreign page never passes), and a credential
// is needed.
func TestAdminPortBrowserRules(t *testing.T) {
	_, af, _ := startAdmin(t, "")
	host := strings.TrimPrefix(af.URL, "http://")
	cases := []struct {
		name, host, origin, site, ctype, auth string
		want                                  int
	}{
		{"the CLI", "", "", "", "application/json", "Bearer " + af.Token, 200},
		{"DNS rebinding: a foreign Host", "rebind.example:" + strings.Split(host, ":")[1], "http://rebind.example", "", "application/json", "Bearer " + af.Token, http.StatusMisdirectedRequest},
		{"another origin", "", "http://evil.example", "", "application/json", "Bearer " + af.Token, http.StatusForbidden},
		{"cross-site fetch", "", "", "cross-site", "application/json", "Bearer " + af.Token, http.StatusForbidden},
		{"a simple form post", "", "", "", "text/plain", "Bearer " + af.Token, http.StatusUnsupportedMediaType},
		{"no credential", "", "", "", "application/json", "", http.StatusUnauthorized},
		{"a made-up token", "", "", "", "application/json", "Bearer " + strings.Repeat("0", 64), http.StatusUnauthorized},
		{"the admin token as DPoP", "", "", "", "application/json", "DPoP " + af.Token, http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", af.URL+"/console/api/Status", strings.NewReader("[]"))
			if c.host != "" {
				req.Host = c.host
			}
			for k, v := range map[string]string{"Origin": c.origin, "Sec-Fetch-Site": c.site, "Content-Type": c.ctype, "Authorization": c.auth} {
				if v != "" {
					req.Header.Set(k, v)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("status %d, want %d", resp.StatusCode, c.want)
			}
		})
	}
}
