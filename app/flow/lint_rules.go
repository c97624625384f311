package flow

import (
	"net/url"
	"strings"
	"time"
)

// metadata lints what the issuer advertises.
func (l *linter) metadata() {
	l.fromChecks(CheckIssuerMatch, RuleMetadataIssuer, SeverityError, "RFC 8414 §3.3")
	if u, err := url.Parse(l.t.Issuer); err == nil && u.Scheme == "http" {
		const spec = "RFC 9700 §2.6; OAuth 2.1 §1.5"
		if h := u.Hostname(); h == "127.0.0.1" || h == "::1" || h == "localhost" {
			l.add(RuleTransport, SeverityInfo, spec, "the issuer is plain http on loopback: acceptable for development only")
		} else {
			l.add(RuleTransport, SeverityError, spec, "the issuer is plain http: codes and tokens cross the network in clear")
		}
	}
	methods := l.md.strings("code_challenge_methods_supported")
	switch {
	case len(methods) == 0:
		l.add(RulePKCEAdvertised, SeverityWarning, "RFC 9700 §2.1.1",
			"code_challenge_methods_supported is missing: clients cannot detect PKCE support")
	case contains(methods, "plain"):
		l.add(RulePKCEPlain, SeverityWarning, "RFC 9700 §2.1.1; OAuth 2.1 §4.1.1",
			"the issuer advertises PKCE method plain %v; only S256 protects a leaked authorization request", methods)
	case contains(methods, "S256"):
		l.add(RulePKCEAdvertised, SeverityPass, "RFC 9700 §2.1.1", "code_challenge_methods_supported is %v", methods)
	default:
		l.add(RulePKCEAdvertised, SeverityError, "OAuth 2.1 §4.1.1", "S256 is mandatory to implement; advertised: %v", methods)
	}
	if l.md["authorization_endpoint"] != nil {
		supported, _ := l.md.bool("authorization_response_iss_parameter_supported")
		l.add(RuleIssAdvertised, pick(supported, SeverityWarning), "RFC 9207 §3; RFC 9700 §4.4.2",
			"authorization_response_iss_parameter_supported is %v", supported)
	}
	implicit := false
	for _, rt := range l.md.strings("response_types_supported") {
		implicit = implicit || contains(strings.Fields(rt), "token")
	}
	grants := l.md.strings("grant_types_supported")
	implicit = implicit || contains(grants, "implicit")
	l.add(RuleImplicit, pick(!implicit, SeverityError), "RFC 9700 §2.1.2; OAuth 2.1 §10.1",
		"implicit grant (response_type token) advertised: %v", implicit)
	l.add(RulePassword, pick(!contains(grants, "password"), SeverityError), "RFC 9700 §2.4; OAuth 2.1 §10",
		"resource owner password credentials grant advertised: %v", contains(grants, "password"))
}

// authorization lints the authorization request and response.
func (l *linter) authorization() {
	l.fromChecks(CheckPKCE, RulePKCE, SeverityError, "RFC 9700 §2.1.1; OAuth 2.1 §4.1.1")
	l.fromChecks(CheckState, RuleState, SeverityError, "RFC 9700 §4.7.1; RFC 6749 §10.12")
	for _, c := range l.t.checks(CheckIss) {
		sev := SeverityWarning
		if strings.Contains(c.Detail, "mix-up") || strings.Contains(c.Detail, "promises") {
			sev = SeverityError
		}
		l.add(RuleIss, pick(c.OK, sev), "RFC 9207 §2; RFC 9700 §4.4.2", "%s", c.Detail)
	}
	l.fromChecks(CheckAtHash, RuleAtHash, SeverityError, "OIDC Core §3.1.3.6, §3.1.3.8")
	for _, c := range l.t.checks(CheckAzp) {
		sev := SeverityError // azp names another party: the token was not issued to this client
		if strings.Contains(c.Detail, "no azp") {
			sev = SeverityWarning // a SHOULD of §3.1.3.7
		}
		l.add(RuleAzp, pick(c.OK, sev), "OIDC Core §3.1.3.7", "%s", c.Detail)
	}
	// acr_values is a voluntary request (OIDC Core §3.1.2.1): one not
	// honoured is a warning for the client to act on, not a broken server.
	l.fromChecks(CheckACR, RuleACR, SeverityWarning, "OIDC Core §3.1.2.1, §2 (acr); RFC 9470")
	if !l.fromChecks(CheckNonce, RuleNonce, SeverityError, "OIDC Core §3.1.3.7; RFC 9700 §4.5.3.2") &&
		len(l.t.checks(CheckState)) > 0 {
		l.add(RuleNonce, SeverityInfo, "OIDC Core §3.1.2.1", "no ID token was issued, so no nonce to check")
	}
}

// tokens lints the tokens obtained: signatures, lifetimes, audience and
// the no-store header.
func (l *linter) tokens() {
	l.fromChecks(CheckNoStore, RuleNoStore, SeverityError, "OAuth 2.1 §3.2.3; RFC 6749 §5.1")
	l.fromChecks(CheckSignature, RuleSignature, SeverityError, "RFC 9068 §4; RFC 8725 §3.1")
	for _, s := range l.t.Steps {
		for _, tok := range s.Tokens {
			if tok.Name != "access_token" {
				continue
			}
			life := time.Duration(tok.LifetimeSeconds) * time.Second
			switch {
			case life <= 0:
				l.add(RuleTokenLifetime, SeverityInfo, "RFC 6749 §5.1", "%s: lifetime unknown (no exp, no expires_in)", s.Name)
			default:
				ok := life <= maxAccessTokenLifetime
				why := "at most 1h, which keeps a stolen token's window short"
				if !ok {
					why = "longer than 1h widens the window of a stolen token"
				}
				l.add(RuleTokenLifetime, pick(ok, SeverityWarning),
					"RFC 9700 §4.10; RFC 6819 §5.1.5.3", "%s: access token lives %s (%s)", s.Name, life, why)
			}
			l.audience(s.Name, tok)
		}
	}
}

// audience checks an access token's aud (RFC 9068 §2.2, RFC 9700 §2.3).
func (l *linter) audience(step string, tok Token) {
	const spec = "RFC 9700 §2.3; RFC 9068 §2.2"
	if tok.Format != "jwt" {
		l.add(RuleAudience, SeverityInfo, spec, "%s: opaque access token; its audience is not visible to the client", step)
		return
	}
	aud := audience(tok.Claims)
	wild := contains(aud, "*") || contains(aud, "")
	switch {
	case len(aud) == 0:
		l.add(RuleAudience, SeverityWarning, spec, "%s: the access token has no aud: any resource server would accept it", step)
	case wild:
		l.add(RuleAudience, SeverityWarning, spec, "%s: the access token's aud %v is a wildcard", step, aud)
	default:
		l.add(RuleAudience, SeverityPass, spec, "%s: the access token is restricted to %v", step, aud)
	}
}

// federation lints the token exchange of an external ID token: whether
// Latchkey accepted it (and why not), and what it issued.
func (l *linter) federation() {
	l.fromChecks(CheckExternalAccepted, RuleExternalAccepted, SeverityError, "RFC 8693 §2.2.2; OIDC Core §3.1.3.7")
	l.fromChecks(CheckExchangedAudience, RuleExchangedAudience, SeverityError, "RFC 8693 §2.1; RFC 8707 §2")
	l.fromChecks(CheckExchangedSubject, RuleExchangedSubject, SeverityError, "RFC 8693 §2.2.1; RFC 9068 §2.2")
	l.fromChecks(CheckExchangedIssuer, RuleExchangedSubject, SeverityError, "RFC 9068 §4")
}

// refresh lints the rotation evidence of the refresh flow.
func (l *linter) refresh() {
	public := l.t.ClientAuth == AuthNone
	for _, c := range l.t.checks(CheckRotation) {
		sev := SeverityInfo // confidential clients are bound by authentication
		if public {
			sev = SeverityError
		}
		l.add(RuleRotation, pick(c.OK, sev), "OAuth 2.1 §4.3.1; RFC 9700 §4.14.2", "%s", c.Detail)
	}
	l.fromChecks(CheckReuseRejected, RuleReuse, SeverityError, "RFC 9700 §4.14.2; OAuth 2.1 §4.3.1")
	l.fromChecks(CheckFamilyRevoked, RuleFamily, SeverityWarning, "RFC 9700 §4.14.2")
}

// details lints rich authorization requests: granted details that differ
// from the requested ones are a warning (the server may grant less,
// RFC 9396 §7, but the client must notice); an access token that does not
// carry what the token response says was granted is an error (§9.1).
func (l *linter) details() {
	l.fromChecks(CheckDetailsGranted, RuleDetailsGranted, SeverityWarning, "RFC 9396 §7")
	l.fromChecks(CheckDetailsInToken, RuleDetailsInToken, SeverityError, "RFC 9396 §9.1")
}

// subject explains the sub (pairwise or public) and lints that the ID
// token, the access token and userinfo name the same one. Userinfo must
// (OIDC Core §5.3.2); an access token naming another sub is a warning:
// Latchkey's never do, but some issuers give each API its own subject.
func (l *linter) subject() {
	for _, c := range l.t.checks(CheckSubjectType) {
		l.add(RuleSubjectType, SeverityInfo, "OIDC Core §8", "%s", c.Detail)
	}
	l.fromChecks(CheckSubjectAcross, RuleSubject, SeverityWarning, "OIDC Core §8.1")
	l.fromChecks(CheckSubjectMatches, RuleSubject, SeverityError, "OIDC Core §5.3.2")
}
