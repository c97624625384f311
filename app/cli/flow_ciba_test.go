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

	"github.com/latchkey/latchkey/app/flow"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// `latchkey flow ciba` against a live server: without --login-hint it is
// a usage error; with it, the command says where the user approves, polls
// at the server's interval until alice approves on /account, and prints
// the tokens' trace.
func TestFlowCIBA(t *testing.T) {
	ctx := context.Background()
	in, _ := serveWithAlice(t)
	c, secret, err := in.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Teller", Type: authcore.Confidential,
		GrantTypes: []string{authcore.GrantCIBA}, Scopes: []string{"openid", "profile"}, BackchannelTokenDeliveryMode: "poll"})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, secret+"\n", "flow", "ciba", "--issuer", in.issuer, "--client", c.ID, "--secret-stdin"); code != 2 ||
		!strings.Contains(errOut, "--login-hint") {
		t.Fatalf("%d %s", code, errOut)
	}

	stderr := &approveWriter{issuer: in.issuer, done: make(chan error, 1)}
	var out bytes.Buffer
	code := Main([]string{"flow", "ciba", "--issuer", in.issuer, "--client", c.ID, "--secret-stdin", "--login-hint", "alice",
		"--binding-message", "Teller 42", "--timeout", "30s", "--json"},
		Env{Console: fstest.MapFS{}, Stdout: &out, Stderr: stderr, Stdin: strings.NewReader(secret + "\n")})
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stderr.buf.String(), out.String())
	}
	if err := <-stderr.done; err != nil {
		t.Fatal(err)
	}
	var tr flow.Trace
	if err := json.Unmarshal(out.Bytes(), &tr); err != nil || tr.Flow != flow.FlowCIBA || tr.Error != "" {
		t.Fatalf("%v %s", err, out.String())
	}
	last := tr.Steps[len(tr.Steps)-1]
	if !strings.HasPrefix(last.Name, "Poll the token endpoint") || last.Response == nil || last.Response.Status != 200 || len(last.Tokens) < 2 {
		t.Fatalf("last step %+v", last)
	}
	if !strings.Contains(stderr.buf.String(), "Ask alice to approve the request on their account page:\n  "+in.issuer+"/account") {
		t.Fatalf("stderr %s", stderr.buf.String())
	}
}

// approveWriter is standard error for `flow ciba`: when the account page
// is named, alice signs in there and approves the pending request.
type approveWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	issuer string
	done   chan error
}

func (w *approveWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if strings.Contains(string(p), "on their account page") {
		go func() { w.done <- approveOnAccount(w.issuer, "alice", "wonderland-42-rabbit") }()
	}
	return w.buf.Write(p)
}

var backchannelRequest = regexp.MustCompile(`name="request" value="([0-9a-f]{64})"`)

// approveOnAccount signs username in at the account page and approves
// the one pending backchannel request there.
func approveOnAccount(issuer, username, password string) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(u string) (string, error) {
		resp, err := c.Get(u)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b), nil
	}
	fields := func(page string) url.Values {
		v := url.Values{}
		for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
			v.Set(m[1], html.UnescapeString(m[2]))
		}
		return v
	}
	page, err := get(issuer + "/account") // redirected to the login page
	if err != nil {
		return err
	}
	form := fields(page)
	form.Set("username", username)
	form.Set("password", password)
	resp, err := c.PostForm(issuer+"/login", form)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if page, err = get(issuer + "/account"); err != nil {
		return err
	}
	ids := backchannelRequest.FindAllStringSubmatch(page, -1)
	if len(ids) != 1 {
		return fmt.Errorf("the account page lists %d requests", len(ids))
	}
	form = fields(page)
	form.Set("request", ids[0][1])
	form.Set("decision", "approve")
	resp, err = c.PostForm(issuer+"/account/backchannel", form)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("approve: %s", resp.Status)
	}
	return nil
}
