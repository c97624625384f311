package cli

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
)

// --pprof serves Go's profiles to this machine only, and nothing of them
// exists without it.
func TestServePprof(t *testing.T) {
	for _, tc := range []struct {
		name    string
		on      bool
		proxies string // a trusted proxy makes loopback peers non-local
		want    int
	}{
		{"off by default", false, "", http.StatusNotFound},
		{"on, local", true, "", http.StatusOK},
		{"on, through a proxy", true, "127.0.0.1/32", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := serveFlags{addr: "127.0.0.1:0", pprof: tc.on, trustedProxies: tc.proxies}
			f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
			in, err := start(&f, fstest.MapFS{}, "serve")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = in.stop() })
			for _, path := range []string{"/debug/pprof/", "/debug/pprof/trace?seconds=0.05", "/debug/pprof/heap?debug=1"} {
				resp, err := http.Get(in.issuer + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tc.want {
					t.Errorf("%s: %d, want %d", path, resp.StatusCode, tc.want)
				}
				if tc.want == http.StatusOK && strings.HasPrefix(path, "/debug/pprof/trace") && resp.Header.Get("Content-Type") != "application/octet-stream" {
					t.Errorf("trace content type %q", resp.Header.Get("Content-Type"))
				}
			}
		})
	}
}
