package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"sync"
	"time"

	"github.com/latchkey/latchkey/app/flow"
)

// FlowInput is one run of the flow tester. Issuer defaults to this server.
type FlowInput struct {
	Issuer       string `json:"issuer"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Flow         string `json:"flow"`
	Scope        string `json:"scope"`
	Resource     string `json:"resource"`
	Audience     string `json:"audience"`
	APIURL       string `json:"api_url"`
	// FromAPI starts from APIURL alone (RFC 9728 protected resource
	// metadata); Issuer may then be empty.
	FromAPI bool `json:"from_api"`
	// ResponseMode asks the code flows for a JARM response (jwt,
	// query.jwt); empty is the plain query.
	ResponseMode  string `json:"response_mode"`
	Token         string `json:"token"`
	RefreshToken  string `json:"refresh_token"`
	RevealSecrets bool   `json:"reveal_secrets"`
	// Prompt is the OIDC prompt of the code flows ("login" signs in again).
	Prompt string `json:"prompt"`
	// ACRValues asks the code flows for a sign-in strength (acr_values).
	ACRValues string `json:"acr_values"`
	// AuthorizationDetails is an RFC 9396 JSON array sent with the code
	// flow and client credentials; empty sends none.
	AuthorizationDetails string `json:"authorization_details"`
	// LoginHint names the user the CIBA flow asks to approve;
	// BindingMessage is shown to them with the request.
	LoginHint      string `json:"login_hint"`
	BindingMessage string `json:"binding_message"`
	// The federation flow: the external OpenID provider, the client
	// registered there with a loopback redirect (its secret, if
	// confidential) and the scope asked of it. ClientID/ClientSecret are
	// then the Latchkey client that exchanges the provider's ID token.
	ExternalIssuer       string `json:"external_issuer"`
	ExternalClientID     string `json:"external_client_id"`
	ExternalClientSecret string `json:"external_client_secret"`
	ExternalScope        string `json:"external_scope"`
}

// options are the flow.Options of in, without callbacks.
func (in FlowInput) options() flow.Options {
	return flow.Options{
		Issuer: in.Issuer, ClientID: in.ClientID, ClientSecret: in.ClientSecret, Flow: in.Flow,
		Scope: in.Scope, Resource: in.Resource, Audience: in.Audience, APIURL: in.APIURL, FromAPI: in.FromAPI, ResponseMode: in.ResponseMode,
		Token: in.Token, RefreshToken: in.RefreshToken, RevealSecrets: in.RevealSecrets, Prompt: in.Prompt, ACRValues: in.ACRValues,
		AuthorizationDetails: in.AuthorizationDetails, LoginHint: in.LoginHint, BindingMessage: in.BindingMessage,
		ExternalIssuer: in.ExternalIssuer, ExternalClientID: in.ExternalClientID,
		ExternalClientSecret: in.ExternalClientSecret, ExternalScope: in.ExternalScope,
	}
}

// FlowRun is a running or finished flow: the browser URL or device code
// the user must act on, the steps so far, and at the end the trace.
type FlowRun struct {
	ID         string           `json:"id"`
	Done       bool             `json:"done"`
	AuthURL    string           `json:"auth_url,omitempty"`
	DeviceCode *flow.DeviceCode `json:"device_code,omitempty"`
	Steps      []*flow.Step     `json:"steps"`
	Trace      *flow.Trace      `json:"trace,omitempty"`
	Error      string           `json:"error,omitempty"`
}

// flowRuns keeps the last runs of this instance, shared by every view of
// the App.
type flowRuns struct {
	mu    sync.Mutex
	runs  map[string]*FlowRun
	order []string
}

const keepFlowRuns = 20

func (f *flowRuns) update(id string, fn func(*FlowRun)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := f.runs[id]; r != nil {
		fn(r)
	}
}

// StartFlow starts a flow in the background and returns its id; poll
// FlowStatus for its progress. The code flow's authorization URL appears
// in FlowStatus for the console to open; its loopback listener waits for
// the redirect (RFC 8252).
func (a *App) StartFlow(in FlowInput) (string, error) {
	if in.Issuer == "" {
		in.Issuer = a.info.Issuer
	}
	if in.ClientID == "" || in.Flow == "" {
		return "", invalid("choose a client and a flow")
	}
	if in.Flow == flow.FlowCIBA && in.LoginHint == "" {
		return "", invalid("the CIBA flow needs the user who approves (login hint)")
	}
	if in.Flow == flow.FlowFederation && (in.ExternalIssuer == "" || in.ExternalClientID == "") {
		return "", invalid("the federation flow needs the external provider's issuer and the client id registered there")
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	runs := a.flows
	runs.mu.Lock()
	runs.runs[id] = &FlowRun{ID: id, Steps: []*flow.Step{}}
	runs.order = append(runs.order, id)
	if len(runs.order) > keepFlowRuns {
		delete(runs.runs, runs.order[0])
		runs.order = runs.order[1:]
	}
	runs.mu.Unlock()
	opts := in.options()
	opts.Subject = a.flowSubject(opts.Issuer, opts.ClientID) // flows_subject.go
	opts.Timeout = 5 * time.Minute
	opts.OnAuthURL = func(u string) { runs.update(id, func(r *FlowRun) { r.AuthURL = u }) }
	opts.OnDeviceCode = func(dc flow.DeviceCode) { runs.update(id, func(r *FlowRun) { r.DeviceCode = &dc }) }
	opts.OnStep = func(s *flow.Step) { runs.update(id, func(r *FlowRun) { r.Steps = append(r.Steps, s) }) }
	// The run outlives this call: it keeps the request's values (its id
	// in logs), not its cancellation.
	ctx := context.WithoutCancel(a.ctx("flow.start"))
	go func() {
		tr, err := flow.Run(ctx, opts)
		runs.update(id, func(r *FlowRun) {
			r.Done, r.Trace = true, tr
			switch {
			case err != nil && tr != nil:
				r.Error = tr.Error // masked like the rest of the trace
			case err != nil:
				r.Error = err.Error() // the options were refused: no request was sent
			}
		})
	}()
	return id, nil
}

// FlowStatus returns a flow's progress.
func (a *App) FlowStatus(id string) (FlowRun, error) {
	a.flows.mu.Lock()
	defer a.flows.mu.Unlock()
	r := a.flows.runs[id]
	if r == nil {
		return FlowRun{}, &Error{Status: 404, Message: "no such flow run"}
	}
	out := *r
	out.Steps = append([]*flow.Step(nil), r.Steps...)
	return out, nil
}

// ExportFlow returns a finished run's trace as JSON or as curl commands,
// secrets masked unless the run revealed them.
func (a *App) ExportFlow(id, format string) (string, error) {
	r, err := a.FlowStatus(id)
	if err != nil {
		return "", err
	}
	if !r.Done || r.Trace == nil {
		return "", invalid("the flow has not finished")
	}
	switch format {
	case "curl":
		return r.Trace.Curl(), nil
	case "json", "":
		b, err := r.Trace.JSON()
		return string(b), err
	}
	return "", invalid(`format must be "json" or "curl"`)
}

// SaveFlow keeps a flow's parameters (not its tokens; the client secrets,
// Latchkey's and the external provider's, only when keepSecret) in the
// data directory.
func (a *App) SaveFlow(name string, in FlowInput, keepSecret bool) error {
	if name == "" {
		return invalid("name the flow")
	}
	o := in.options()
	o.Token, o.RefreshToken = "", "" // tokens are never saved
	sf := flow.SavedFrom(name, o, keepSecret)
	return flow.Save(filepath.Join(a.info.DataDir, "flows"), sf)
}

// SavedFlows lists the saved flows.
func (a *App) SavedFlows() ([]flow.SavedFlow, error) {
	fs, err := flow.LoadAll(filepath.Join(a.info.DataDir, "flows"))
	return nonNil(fs), err
}

// CreateTestClient registers a client for the flow tester in one click:
// "public" (code + PKCE + refresh, loopback redirect on any port) or
// "confidential" (client credentials and token exchange). The answer shows
// the secret once.
func (a *App) CreateTestClient(kind string) (Client, error) {
	in := ClientInput{Name: "Flow tester (" + kind + ")", Type: kind, Scope: "openid profile email orders:read offline_access"}
	switch kind {
	case "public":
		in.RedirectURIs = []string{"http://127.0.0.1/callback"}
		in.GrantTypes = []string{"authorization_code", "refresh_token"}
	case "confidential":
		in.GrantTypes = []string{"client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"}
		in.Scope = "profile orders:read"
		in.Audience = []string{a.info.Issuer}
	default:
		return Client{}, invalid(`kind must be "public" or "confidential"`)
	}
	return a.CreateClient(in)
}
