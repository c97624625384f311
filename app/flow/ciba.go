package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// GrantCIBA is the CIBA Core 1.0 §10.1 grant type.
const GrantCIBA = "urn:openid:params:grant-type:ciba"

// AccountPath is where a Latchkey user approves a backchannel request.
const AccountPath = "/account"

// ciba runs Client-Initiated Backchannel Authentication in poll mode
// (CIBA Core 1.0): the client names the user (login_hint) at the
// backchannel authentication endpoint, the user approves on another
// device (Latchkey's account page), and the client polls the token
// endpoint at the interval, slowing down when told to.
func (r *runner) ciba() error {
	ep, err := r.endpoint("backchannel_authentication_endpoint")
	if err != nil {
		return err
	}
	scope := r.o.Scope
	if !hasScope(scope, "openid") {
		scope = strings.TrimSpace("openid " + scope) // CIBA Core §7.1: openid is required
	}
	v := url.Values{"scope": {scope}, "login_hint": {r.o.LoginHint}}
	if r.o.BindingMessage != "" {
		v.Set("binding_message", r.o.BindingMessage)
	}
	if r.o.ACRValues != "" {
		v.Set("acr_values", r.o.ACRValues)
	}
	s, rep, err := r.form("Backchannel authentication request", ep, v)
	if err != nil {
		return err
	}
	if modes := r.md.strings("backchannel_token_delivery_modes_supported"); !contains(modes, "poll") {
		s.note(fmt.Sprintf("the issuer advertises delivery modes %v without poll; this client polls", modes))
	}
	if rep.Status != http.StatusOK {
		pe := protocolError(s.Name, rep)
		s.check(CheckStatus, false, fmt.Sprintf("HTTP %d %s %s", rep.Status, pe.Code, pe.Description))
		return pe
	}
	var ar struct {
		AuthReqID string `json:"auth_req_id"`
		ExpiresIn int    `json:"expires_in"`
		Interval  int    `json:"interval"`
	}
	_ = json.Unmarshal(rep.Body, &ar)
	r.m.add(ar.AuthReqID) // it redeems the tokens: masked from here on
	s.Response.Body = r.m.text(s.Response.Body)
	ok := ar.AuthReqID != "" && ar.ExpiresIn > 0
	s.check(CheckStatus, ok, fmt.Sprintf("auth_req_id present, expires_in %d, interval %d (CIBA Core §7.3)", ar.ExpiresIn, ar.Interval))
	if !ok {
		return errors.New("flow: the backchannel authentication response is incomplete")
	}
	account := strings.TrimRight(r.o.Issuer, "/") + AccountPath
	ws := r.step("Waiting for the user to approve", KindWait)
	ws.note(fmt.Sprintf("%s must approve the request on the other device: at Latchkey, signed in at %s", r.o.LoginHint, account))
	if r.o.BindingMessage != "" {
		ws.note(fmt.Sprintf("the user sees the binding message %q and should check it matches this screen (CIBA Core §7.1)", r.o.BindingMessage))
	}
	if r.o.OnAuthURL != nil {
		r.o.OnAuthURL(account)
	}
	r.flush() // shown now, while the flow polls
	ps, tr, err := r.poll(url.Values{"grant_type": {GrantCIBA}, "auth_req_id": {ar.AuthReqID}},
		ar.Interval, ar.ExpiresIn, "the auth_req_id", "CIBA Core §11")
	if err != nil {
		return err
	}
	if tr.IDToken == "" {
		ps.check(CheckStatus, false, "no id_token: CIBA always issues one (CIBA Core §10.1.1)")
		return nil
	}
	r.explainSubject(ps, tr) // subject.go
	return nil
}
