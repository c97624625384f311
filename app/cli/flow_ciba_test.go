package cli

import (
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
	"testing"

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

	stderr := &actingWriter{trigger: "on their account page", done: make(chan error, 1),
		act: func(string) error { return approveOnAccount(in.issuer, "alice", "wonderland-42-rabbit") }}
	out := runActing(t, stderr, secret+"\n", "flow", "ciba", "--issuer", in.issuer, "--client", c.ID, "--secret-stdin",
		"--login-hint", "alice", "--binding-message", "Teller 42", "--timeout", "30s", "--json")
	var tr flow.Trace
	if err := json.Unmarshal(out, &tr); err != nil || tr.Flow != flow.FlowCIBA || tr.Error != "" {
		t.Fatalf("%v %s", err, out)
	}
	last := tr.Steps[len(tr.Steps)-1]
	if !strings.HasPrefix(last.Name, "Poll the token endpoint") || last.Response == nil || last.Response.Status != 200 || len(last.Tokens) < 2 {
		t.Fatalf("last step %+v", last)
	}
	if !strings.Contains(stderr.String(), "Ask alice to approve the request on their account page:\n  "+in.issuer+"/account") {
		t.Fatalf("stderr %s", stderr.String())
	}
}

// approveWriter is standard error for `flow ciba`: when the account page
// is named, alice signs in there and approves the pending request.
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
