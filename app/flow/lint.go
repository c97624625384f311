package flow

import (
	"fmt"
	"strings"
	"time"
)

// Severities of a Finding, from good to bad.
const (
	SeverityPass    = "pass"    // the rule was checked and holds
	SeverityInfo    = "info"    // worth knowing; not a defect
	SeverityWarning = "warning" // a SHOULD of the specs is not met
	SeverityError   = "error"   // a MUST is broken or the flow is unsafe
)

// Finding is one entry of the checks panel: a rule, how the flow fared,
// why, and where the rule is written.
type Finding struct {
	// Rule is a stable identifier, e.g. "pkce-s256".
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	// Spec is the section that states the rule, e.g. "RFC 9700 §2.1.1".
	Spec string `json:"spec"`
}

// Rule identifiers.
const (
	RulePKCE               = "pkce-s256"
	RulePKCEPlain          = "pkce-plain-advertised"
	RulePKCEAdvertised     = "pkce-advertised"
	RuleState              = "state-round-trip"
	RuleNonce              = "nonce-round-trip"
	RuleIss                = "iss-in-authorization-response"
	RuleIssAdvertised      = "iss-parameter-supported"
	RuleTokenLifetime      = "access-token-lifetime"
	RuleAudience           = "audience-restriction"
	RuleRotation           = "refresh-rotation"
	RuleReuse              = "refresh-reuse-detection"
	RuleFamily             = "refresh-family-revocation"
	RuleImplicit           = "implicit-advertised"
	RulePassword           = "password-advertised"
	RuleNoStore            = "cache-control-no-store"
	RuleSignature          = "token-signature"
	RuleMetadataIssuer     = "metadata-issuer"
	RuleTransport          = "issuer-https"
	RuleAtHash             = "id-token-at-hash"
	RuleAzp                = "id-token-azp"
	RuleACR                = "id-token-acr"
	RuleExternalAccepted   = "external-token-exchange"
	RuleExchangedAudience  = "exchanged-token-audience"
	RuleExchangedSubject   = "exchanged-token-subject"
	RuleDetailsGranted     = "authorization-details-granted"
	RuleDetailsInToken     = "authorization-details-in-token"
	RuleSubject            = "sub-consistent"
	RuleSubjectType        = "sub-type"
	maxAccessTokenLifetime = time.Hour
)

// Lint checks a trace against OAuth 2.1 and RFC 9700 (the security BCP).
// Rules that the flow gave no evidence for are left out; rules that hold
// are reported with SeverityPass so the panel can show them.
func Lint(t *Trace) []Finding {
	l := &linter{t: t, md: metadata(t.Metadata)}
	if t.Metadata != nil {
		l.metadata()
	}
	l.authorization()
	l.tokens()
	l.refresh()
	l.federation()
	l.details()
	l.subject()
	return l.out
}

// linter accumulates findings.
type linter struct {
	t   *Trace
	md  metadata
	out []Finding
}

// add appends a finding.
func (l *linter) add(rule, sev, spec, format string, args ...any) {
	l.out = append(l.out, Finding{Rule: rule, Severity: sev, Spec: spec, Message: fmt.Sprintf(format, args...)})
}

// pick returns pass when ok, else bad.
func pick(ok bool, bad string) string {
	if ok {
		return SeverityPass
	}
	return bad
}

// fromChecks turns the named checks into one finding each: pass when the
// check held, sev otherwise.
func (l *linter) fromChecks(check, rule, sev, spec string) bool {
	cs := l.t.checks(check)
	for _, c := range cs {
		l.add(rule, pick(c.OK, sev), spec, "%s", withoutRef(c.Detail, spec))
	}
	return len(cs) > 0
}

// withoutRef drops a check's closing "(section)" when the finding's spec
// names it already, so the section is not said twice.
func withoutRef(detail, spec string) string {
	i := strings.LastIndex(detail, " (")
	if i >= 0 && strings.HasSuffix(detail, ")") && strings.Contains(spec, detail[i+2:len(detail)-1]) {
		return detail[:i]
	}
	return detail
}
