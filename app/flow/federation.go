package flow

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Names the federation flow gives the external provider's steps and
// tokens, so they stand apart from Latchkey's in the trace.
const (
	ExternalStepPrefix  = "External provider: "
	ExternalTokenPrefix = "external_"
)

// externalRunner returns a runner for the external provider of the federation
// flow: the same trace, masker and context, its own metadata, keys and
// client (Options.External*), and no resource or audience (those are for
// Latchkey).
func (r *runner) externalRunner() *runner {
	o := r.o
	o.Issuer, o.ClientID, o.ClientSecret = o.ExternalIssuer, o.ExternalClientID, o.ExternalClientSecret
	o.AuthMethod = "" // chosen from the provider's own metadata
	o.Scope = o.ExternalScope
	o.Resource, o.Audience = "", ""
	o.Subject, o.AuthorizationDetails = nil, "" // they describe the Latchkey client
	return &runner{ctx: r.ctx, o: o, t: r.t, m: r.m, prefix: ExternalStepPrefix, tokenPrefix: ExternalTokenPrefix, external: true}
}

// federation runs the scenario of trusted external providers: the user
// signs in at the external OpenID provider (code flow with PKCE and
// nonce, its ID token verified against its JWKS), the ID token is
// exchanged at Latchkey (RFC 8693, subject_token_type id_token), and the
// resulting access token calls a gateway route.
func (r *runner) federation() error {
	r.flush()
	ext := r.externalRunner()
	idToken, nonce, err := ext.externalLogin()
	ext.flush()
	if err != nil {
		return err
	}
	v := url.Values{"grant_type": {GrantTokenExchange}, "subject_token": {idToken},
		"subject_token_type": {TokenTypeID}, "requested_token_type": {TokenTypeAccess}}
	if r.o.Resource != "" {
		v.Set("resource", r.o.Resource)
	}
	if r.o.Audience != "" {
		v.Set("audience", r.o.Audience)
	}
	if r.o.Scope != "" {
		v.Set("scope", r.o.Scope)
	}
	if nonce != "" {
		v.Set("nonce", nonce) // Latchkey checks it against the ID token too
	}
	s, tr, err := r.token("Token exchange of the external ID token (RFC 8693)", v)
	if s != nil && nonce != "" {
		s.note("nonce sent so that Latchkey checks the ID token's nonce as well (a Latchkey extension to RFC 8693)")
	}
	if err != nil {
		var pe *ProtocolError
		if errors.As(err, &pe) && s != nil {
			s.check(CheckExternalAccepted, false, explainRefusal(pe, r.o.ExternalIssuer))
		}
		return err
	}
	r.checkExchanged(s, tr, idToken)
	if tr.AccessToken == "" {
		return fmt.Errorf("flow: the token exchange issued no access token")
	}
	return r.callRoute("Call the gateway route with the exchanged token", tr.AccessToken)
}

// externalLogin discovers the external provider, runs its code flow and
// returns its ID token and the nonce that was sent.
func (r *runner) externalLogin() (string, string, error) {
	if err := r.discover(); err != nil {
		return "", "", err
	}
	if r.md.string("jwks_uri") != "" {
		r.jwks()
	}
	scope := r.o.Scope
	if scope == "" {
		scope = "openid"
	}
	if !hasScope(scope, "openid") {
		return "", "", fmt.Errorf("flow: the external scope %q lacks openid: the provider would issue no ID token", scope)
	}
	tr, err := r.authorizationCode(scope)
	if err != nil {
		return "", "", err
	}
	if tr.IDToken == "" {
		return "", "", fmt.Errorf("flow: the external provider issued no ID token")
	}
	return tr.IDToken, r.lastNonce, nil
}

// checkExchanged records what Latchkey issued for the external ID token:
// accepted, the issued token type, the audience asked for, and the
// subject it mapped the external user to.
func (r *runner) checkExchanged(s *Step, tr *tokenResponse, idToken string) {
	_, idc, _ := splitJWT(idToken)
	extIss, extSub := claimString(idc, "iss"), claimString(idc, "sub")
	s.check(CheckExternalAccepted, true, fmt.Sprintf("Latchkey accepted the ID token of %s (sub %q)", extIss, extSub))
	s.check(CheckIssuedTokenType, tr.IssuedTokenType == TokenTypeAccess,
		fmt.Sprintf("issued_token_type %q (RFC 8693 §2.2.1)", tr.IssuedTokenType))
	_, c, ok := splitJWT(tr.AccessToken)
	if !ok {
		s.note("the access token is opaque: its audience and subject are not visible to the client")
		return
	}
	want := r.o.Resource
	if want == "" {
		want = r.o.Audience
	}
	aud := audience(c)
	if want != "" {
		s.check(CheckExchangedAudience, contains(aud, want),
			fmt.Sprintf("aud %v, asked for %q (RFC 8693 §2.1; RFC 8707 §2)", aud, want))
	}
	sub := claimString(c, "sub")
	s.check(CheckExchangedSubject, sub != "", fmt.Sprintf("the external user %q at %s is Latchkey subject %q", extSub, extIss, sub))
	if iss := claimString(c, "iss"); iss != r.o.Issuer {
		s.check(CheckExchangedIssuer, false, fmt.Sprintf("the exchanged token's iss %q is not Latchkey's %q", iss, r.o.Issuer))
	}
}

// refusals explains Latchkey's reasons for refusing an external token
// (the reason is the end of its error_description).
var refusals = []struct{ reason, why string }{
	{"untrusted_issuer", "Latchkey does not trust the issuer %s: register it as an identity provider (latchkey idp add, or the Identity providers screen)"},
	{"provider_disabled", "the identity provider %s is registered but disabled"},
	{"wrong_audience", "the ID token's aud is not one of the audiences Latchkey accepts for %s (the external client id must be listed), or azp names another party"},
	{"expired", "the ID token of %s has expired (or has no exp)"},
	{"iat_in_future", "the ID token of %s is issued in the future: the clocks disagree"},
	{"nonce_mismatch", "the ID token of %s does not carry the nonce sent"},
	{"replayed", "this ID token of %s was exchanged before; each one is accepted once until it expires"},
	{"unknown_key", "the ID token is signed with a key %s does not publish"},
	{"bad_signature", "the ID token's signature does not verify with the keys of %s"},
	{"alg_not_allowed", "the ID token's alg is not allowed for %s (never none or HS*)"},
	{"user_not_linked", "the external user is not linked to a Latchkey user and %s is set not to provision new ones"},
	{"user_disabled", "the Latchkey user linked to this external user of %s is disabled"},
	{"resource_not_allowed", "users of %s may not receive tokens for this resource"},
	{"scope_not_allowed", "users of %s may not receive this scope"},
	{"jwks_unavailable", "Latchkey cannot fetch the discovery or JWKS of %s now, so it refuses (fail closed)"},
}

// explainRefusal says in words why Latchkey refused the exchange.
func explainRefusal(pe *ProtocolError, extIss string) string {
	head := fmt.Sprintf("HTTP %d %s", pe.Status, pe.Code)
	if pe.Description != "" {
		head += " (" + pe.Description + ")"
	}
	for _, x := range refusals {
		if strings.Contains(pe.Description, x.reason) {
			return head + ": " + fmt.Sprintf(x.why, extIss)
		}
	}
	switch pe.Code {
	case "invalid_client":
		return head + ": the Latchkey client's credentials are wrong"
	case "unauthorized_client":
		return head + ": the Latchkey client may not use token exchange (add the grant to the client)"
	case "unsupported_grant_type":
		return head + ": this server does not support token exchange"
	case "invalid_target":
		return head + ": the resource or audience is not one this client or provider may reach"
	case "invalid_scope":
		return head + ": the scope is not one this client or provider may receive"
	}
	return head
}
