package flow

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxBody caps how much of a response body is read and kept.
const maxBody = 1 << 20

// runner carries one run's state.
type runner struct {
	ctx     context.Context
	o       Options
	t       *Trace
	m       *masker
	md      metadata
	keys    *keySet
	pending *Step
	// prefix names the steps and tokens of the external provider in the
	// federation flow ("External provider: ", "external_").
	prefix, tokenPrefix string
	// external is the external provider of the federation flow: its
	// discovery does not replace the trace's (Latchkey's) metadata.
	external bool
	// lastNonce is the nonce of the last code flow's ID token.
	lastNonce string
}

// reply is a response as the flows use it: unmasked.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// step starts a new step, publishing the previous one.
func (r *runner) step(name, kind string) *Step {
	r.flush()
	s := &Step{Name: r.prefix + name, Kind: kind, Started: r.o.Now()}
	r.t.Steps = append(r.t.Steps, s)
	r.pending = s
	return s
}

// flush hands the last step, complete with its checks, to OnStep.
func (r *runner) flush() {
	if r.pending != nil && r.o.OnStep != nil {
		r.o.OnStep(r.pending)
	}
	r.pending = nil
}

// send makes one HTTP request as a new step named name and records it.
// body, when not empty, is sent as a form unless header sets another
// Content-Type. A transport error is recorded on the step and returned.
func (r *runner) send(name, method, target string, header http.Header, body string) (*Step, *reply, error) {
	s := r.step(name, KindHTTP)
	if header == nil {
		header = http.Header{}
	}
	if body != "" && header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if header.Get("Accept") == "" {
		header.Set("Accept", "application/json")
	}
	r.m.addForm(body)
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(r.ctx, method, target, rd)
	if err != nil {
		s.Error = err.Error()
		return s, nil, fmt.Errorf("flow: %s: %w", name, err)
	}
	req.Header = header
	start := time.Now()
	resp, err := r.o.HTTPClient.Do(req)
	s.Request = &Request{Method: method, URL: r.m.text(target), Header: r.m.header(header), Body: r.m.text(body)}
	if err != nil {
		s.ElapsedMS = ms(time.Since(start))
		s.Error = r.m.text(err.Error())
		return s, nil, fmt.Errorf("flow: %s: %s", name, s.Error)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	s.ElapsedMS = ms(time.Since(start))
	rep := &reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
	r.m.addJSON(b)
	s.Response = &Response{Status: resp.StatusCode, Header: r.m.header(resp.Header), Body: r.m.text(string(b))}
	if err != nil {
		s.Error = err.Error()
		return s, rep, fmt.Errorf("flow: %s: reading the response: %w", name, err)
	}
	return s, rep, nil
}

// ms converts a duration to fractional milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// form sends a POST form to endpoint, authenticating the client as the
// issuer and Options allow.
func (r *runner) form(name, endpoint string, v url.Values) (*Step, *reply, error) {
	h := http.Header{}
	switch r.authMethod() {
	case AuthSecretBasic:
		h.Set("Authorization", "Basic "+basic(r.o.ClientID, r.o.ClientSecret))
	case AuthSecretPost:
		v.Set("client_id", r.o.ClientID)
		v.Set("client_secret", r.o.ClientSecret)
	default:
		v.Set("client_id", r.o.ClientID)
	}
	return r.send(name, http.MethodPost, endpoint, h, v.Encode())
}

// authMethod is Options.AuthMethod, or the best method the issuer
// advertises for a client with or without a secret.
func (r *runner) authMethod() string {
	if r.o.AuthMethod != "" {
		return r.o.AuthMethod
	}
	if r.o.ClientSecret == "" {
		return AuthNone
	}
	methods := r.md.strings("token_endpoint_auth_methods_supported")
	if len(methods) == 0 || contains(methods, AuthSecretBasic) {
		return AuthSecretBasic // RFC 8414 §2: the default
	}
	if contains(methods, AuthSecretPost) {
		return AuthSecretPost
	}
	return AuthSecretBasic
}

// endpoint returns a metadata endpoint or an error naming it.
func (r *runner) endpoint(name string) (string, error) {
	if u := r.md.string(name); u != "" {
		return u, nil
	}
	return "", fmt.Errorf("flow: the issuer's metadata has no %s", name)
}
