package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// The flow tester, from the console API and from `latchkey flow run`,
// runs client credentials against a live server and records the steps.
func TestFlowTester(t *testing.T) {
	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	c, err := in.app.CreateTestClient("confidential")
	if err != nil {
		t.Fatal(err)
	}
	id, err := in.app.StartFlow(app.FlowInput{ClientID: c.ID, ClientSecret: c.Secret, Flow: "client_credentials", Scope: "orders:read"})
	if err != nil {
		t.Fatal(err)
	}
	var run app.FlowRun
	for deadline := time.Now().Add(10 * time.Second); !run.Done && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		run, _ = in.app.FlowStatus(id)
	}
	if !run.Done || run.Error != "" || len(run.Trace.Steps) < 2 {
		t.Fatalf("flow run: %+v", run)
	}
	curl, err := in.app.ExportFlow(id, "curl")
	if err != nil || !strings.Contains(curl, "curl") || strings.Contains(curl, c.Secret) {
		t.Fatalf("curl export leaks the secret or is empty: %v\n%s", err, curl)
	}

	code, out, errOut := runCLI(t, c.Secret+"\n", "flow", "run", "--issuer", in.issuer, "--client", c.ID,
		"--secret-stdin", "--flow", "client_credentials", "--scope", "orders:read", "--json")
	if code != 0 {
		t.Fatalf("flow run: %d %s", code, errOut)
	}
	var tr struct {
		Steps []json.RawMessage `json:"steps"`
		Error string            `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &tr); err != nil || tr.Error != "" || len(tr.Steps) < 2 {
		t.Fatalf("trace: %v %s", err, out)
	}
	if strings.Contains(out, c.Secret) {
		t.Fatal("the client secret is in the trace")
	}
}

// actingWriter is standard error for an interactive flow command: when
// the command prints trigger, act runs in the background on the rest of
// that write (a browser signs in at the printed URL, alice approves on
// her account page) and reports on done.
type actingWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	trigger string
	act     func(rest string) error
	done    chan error
}

// signInAt signs username in at the URL `flow run --no-browser` prints.
func signInAt(username, password string) *actingWriter {
	return &actingWriter{trigger: "Open this URL to sign in:\n  ", done: make(chan error, 1),
		act: func(u string) error { return browseSignIn(strings.TrimSpace(u), username, password) }}
}

var hiddenInput = regexp.MustCompile(`name="(csrf_token|return_to)" value="([^"]*)"`)

func (w *actingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, rest, ok := strings.Cut(string(p), w.trigger); ok {
		go func() { w.done <- w.act(rest) }()
	}
	return w.buf.Write(p)
}

func (w *actingWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// runActing runs `latchkey args...` with stdin and the acting writer w as
// standard error, and returns standard output once the command exited 0
// and w's action succeeded.
func runActing(t *testing.T, w *actingWriter, stdin string, args ...string) []byte {
	t.Helper()
	var out bytes.Buffer
	code := Main(args, Env{Console: fstest.MapFS{}, Stdout: &out, Stderr: w, Stdin: strings.NewReader(stdin)})
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, w.String(), out.String())
	}
	if err := <-w.done; err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// browseSignIn follows u through the login and consent pages to the
// loopback redirect.
func browseSignIn(u, username, password string) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start, _ := url.Parse(u)
	method, form := http.MethodGet, url.Values(nil)
	for hop := 0; hop < 12; hop++ {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, u, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if req.URL.Host != start.Host { // the loopback listener
			return nil
		}
		page := string(b)
		fields := url.Values{}
		for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
			fields.Set(m[1], html.UnescapeString(m[2]))
		}
		method, form = http.MethodGet, nil
		switch {
		case resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusFound:
			next, _ := req.URL.Parse(resp.Header.Get("Location"))
			u = next.String()
		case strings.Contains(page, `name="password"`):
			form, method, u = fields, http.MethodPost, start.Scheme+"://"+start.Host+"/login"
			form.Set("username", username)
			form.Set("password", password)
		case strings.Contains(page, `name="decision" value="allow"`):
			form, method, u = fields, http.MethodPost, start.Scheme+"://"+start.Host+"/consent"
			form.Set("decision", "allow")
		default:
			return fmt.Errorf("browser stuck at %s: %d", req.URL.Path, resp.StatusCode)
		}
	}
	return fmt.Errorf("browser: too many hops")
}

// `latchkey flow run --flow federation` against two live servers: one is
// the external OpenID provider, the other trusts it and exchanges its ID
// token; both client secrets come on standard input.
func TestFlowRunFederation(t *testing.T) {
	ctx := context.Background()
	serve := func() *instance {
		f := serveFlags{addr: "127.0.0.1:0"}
		f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
		in, err := start(&f, fstest.MapFS{}, "serve")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { in.stop() })
		return in
	}
	up, lk := serve(), serve()
	if _, err := up.srv.Login.CreateUser(ctx, login.UserSpec{Username: "alice", Password: "wonderland-42-rabbit"}); err != nil {
		t.Fatal(err)
	}
	app1, appSecret, err := up.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "app", Type: authcore.Confidential,
		RedirectURIs: []string{"http://127.0.0.1/callback"}, Scopes: []string{"openid", "profile"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lk.srv.Federation.AddProvider(ctx, authcore.IdentityProvider{ID: "up", Issuer: up.issuer,
		Audiences: []string{app1.ID}, Scopes: []string{"profile"}, Provisioning: authcore.ProvisionCreate, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	ex, exSecret, err := lk.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "exchanger", Type: authcore.Confidential,
		GrantTypes: []string{authcore.GrantTokenExchange}, Scopes: []string{"profile"}, Audience: []string{lk.issuer}})
	if err != nil {
		t.Fatal(err)
	}

	// Without its external provider the flow is a usage error.
	if code, _, errOut := runCLI(t, "", "flow", "run", "--issuer", lk.issuer, "--client", ex.ID, "--flow", "federation"); code != 2 ||
		!strings.Contains(errOut, "--external-issuer") {
		t.Fatalf("%d %s", code, errOut)
	}

	out := runActing(t, signInAt("alice", "wonderland-42-rabbit"), exSecret+"\n"+appSecret+"\n",
		"flow", "run", "--issuer", lk.issuer, "--client", ex.ID, "--secret-stdin", "--flow", "federation",
		"--scope", "profile", "--external-issuer", up.issuer, "--external-client", app1.ID, "--external-secret-stdin",
		"--external-scope", "openid profile", "--no-browser", "--timeout", "30s", "--json")
	var tr struct {
		ExternalIssuer string `json:"external_issuer"`
		Steps          []struct {
			Name     string `json:"name"`
			Response *struct {
				Status int `json:"status"`
			} `json:"response"`
		} `json:"steps"`
		ClientAuth string `json:"client_auth"`
	}
	if err := json.Unmarshal(out, &tr); err != nil || tr.ExternalIssuer != up.issuer || tr.ClientAuth != "client_secret_basic" {
		t.Fatalf("%v %s", err, out)
	}
	last := tr.Steps[len(tr.Steps)-1]
	if last.Name != "Call the gateway route with the exchanged token" || last.Response.Status != 200 {
		t.Fatalf("last step %+v", last)
	}
	for _, s := range []string{exSecret, appSecret} {
		if strings.Contains(string(out), s) {
			t.Fatal("a client secret is in the trace")
		}
	}
}
