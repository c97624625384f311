package flow

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Run reads the issuer's metadata and runs o.Flow, recording every step.
// It returns the trace recorded so far even when it also returns an error
// (nil only when Options are invalid); the trace's Findings are filled by
// Lint either way. The run is bounded by o.Timeout.
func Run(ctx context.Context, o Options) (*Trace, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	t := &Trace{Flow: o.Flow, Issuer: o.Issuer, ClientID: o.ClientID, Started: o.Now(),
		Revealed: o.RevealSecrets, Steps: []*Step{}}
	r := &runner{ctx: ctx, o: o, t: t, m: newMasker(o.RevealSecrets)}
	r.m.add(o.ClientSecret, o.Token, o.RefreshToken, o.ExternalClientSecret)
	if o.Flow == FlowFederation {
		t.ExternalIssuer, t.ExternalClientID = o.ExternalIssuer, o.ExternalClientID
	}
	start := time.Now()
	var err error
	if o.FromAPI {
		err = r.fromAPI() // RFC 9728, resourcemeta.go
	}
	if err == nil {
		err = r.discover()
	}
	if err == nil {
		if r.md.string("jwks_uri") != "" {
			r.jwks() // up front, so token steps are complete when published
		}
		t.ClientAuth = r.authMethod()
		err = r.run()
	}
	r.flush()
	t.ElapsedMS = ms(time.Since(start))
	if err != nil {
		t.Error = r.m.text(err.Error())
	}
	t.Findings = Lint(t)
	return t, err
}

// run dispatches to the flow.
func (r *runner) run() error {
	var err error
	switch r.o.Flow {
	case FlowAuthorizationCode:
		_, err = r.authorizationCode(r.userScope(false))
	case FlowClientCredentials:
		_, err = r.clientCredentials()
	case FlowRefresh:
		err = r.refreshFlow()
	case FlowDevice:
		err = r.device()
	case FlowTokenExchange:
		err = r.exchange()
	case FlowIntrospect:
		err = r.introspectFlow()
	case FlowRevoke:
		err = r.revoke()
	case FlowUserinfo:
		err = r.userinfo()
	case FlowCallAPI:
		err = r.callAPI()
	case FlowFederation:
		err = r.federation()
	case FlowCIBA:
		err = r.ciba() // ciba.go
	}
	return err
}

// userScope is Options.Scope, or openid (and offline_access when asked
// for) as far as the issuer supports them.
func (r *runner) userScope(offline bool) string {
	if r.o.Scope != "" {
		return r.o.Scope
	}
	supported := r.md.strings("scopes_supported")
	scope := ""
	if contains(supported, "openid") || (len(supported) == 0 && r.t.DiscoveryURL != "" &&
		r.md.string("userinfo_endpoint") != "") {
		scope = "openid"
	}
	if offline && contains(supported, "offline_access") {
		scope += " offline_access"
	}
	return strings.TrimSpace(scope)
}

// clientCredentials runs the client credentials grant (OAuth 2.1 §4.2).
func (r *runner) clientCredentials() (*tokenResponse, error) {
	v := url.Values{"grant_type": {"client_credentials"}}
	if r.o.Scope != "" {
		v.Set("scope", r.o.Scope)
	}
	if r.o.Resource != "" {
		v.Set("resource", r.o.Resource)
	}
	if r.o.AuthorizationDetails != "" {
		v.Set("authorization_details", compactDetails(r.o.AuthorizationDetails)) // RFC 9396 §6.1
	}
	_, tr, err := r.token("Token request (client_credentials)", v)
	return tr, err
}

// acquire returns Options.Token, or obtains an access token first: by
// client credentials for a confidential client (unless a user is needed),
// else by the code flow.
func (r *runner) acquire(user bool) (string, error) {
	if r.o.Token != "" {
		return r.o.Token, nil
	}
	var tr *tokenResponse
	var err error
	if !user && r.o.ClientSecret != "" {
		tr, err = r.clientCredentials()
	} else {
		tr, err = r.authorizationCode(r.userScope(false))
	}
	if err != nil {
		return "", err
	}
	if tr.AccessToken == "" {
		return "", fmt.Errorf("flow: no access token was issued")
	}
	return tr.AccessToken, nil
}
