package login

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/authcore"
)

// SecondFactor is one kind of second factor the sign-in step offers
// after the password (TOTP and recovery codes here; passkeys plug in the
// same way through RegisterFactor). The step lists the user's factors,
// asks each registered kind the user has for its Prompt, and hands the
// POSTed form to the Verify of the kind the form names (field "kind").
type SecondFactor interface {
	// Kind is the factor kind this implementation handles.
	Kind() authcore.FactorKind
	// Prompt returns what the second-factor page shows for the user's
	// factors of this kind (never empty: the step only asks kinds the
	// user has). It may keep state for Verify under ch.ID.
	Prompt(ctx context.Context, ch Challenge, factors []authcore.Factor) (FactorPrompt, error)
	// Verify checks the POSTed form against the user's factors of this
	// kind, and on success updates the factor used in the store (last
	// use, counters) atomically so the same proof never works twice. A
	// wrong or replayed proof is ErrSecondFactor (counted toward the
	// account lockout); any other error is a failure of the server.
	Verify(ctx context.Context, ch Challenge, factors []authcore.Factor, form url.Values) (Verified, error)
}

// Challenge is one pending sign-in a second factor completes.
type Challenge struct {
	// ID is stable for the pending sign-in and secret-free: a key a
	// factor may bind its own state to (a WebAuthn challenge).
	ID   string
	User authcore.User
}

// FactorPrompt is one kind's part of the second-factor page.
type FactorPrompt struct {
	Kind authcore.FactorKind
	// Label names the way to sign in ("Authenticator app").
	Label string
	// CodeField shows a one-time code input named "code".
	CodeField bool
	// Options is JSON for the page's script (WebAuthn request options);
	// Script is the same-origin path of that script, allowed by the
	// page's Content-Security-Policy. Both are "" for plain forms.
	Options string
	Script  string
}

// Verified is the outcome of a successful Verify.
type Verified struct {
	// Factor is the factor used, as updated in the store.
	Factor authcore.Factor
	// AMR are the RFC 8176 methods the factor proved (otp; hwk, user).
	AMR []string
	// Notice is shown to the user once after sign-in ("7 recovery codes
	// left"); "" for none.
	Notice string
}

// ErrSecondFactor: the second factor was wrong, replayed or expired.
var ErrSecondFactor = errors.New("login: second factor not accepted")

// RegisterFactor makes the sign-in step offer kind f.Kind(), replacing
// an earlier registration of that kind. Call it before serving.
func (m *Manager) RegisterFactor(f SecondFactor) {
	if m.factorKinds == nil {
		m.factorKinds = map[authcore.FactorKind]SecondFactor{}
	}
	if _, ok := m.factorKinds[f.Kind()]; !ok {
		m.factorOrder = append(m.factorOrder, f.Kind())
	}
	m.factorKinds[f.Kind()] = f
}

// MFAPolicy is the server-wide second-factor policy (SetMFAPolicy).
type MFAPolicy struct {
	// AdminsMustUseMFA makes every administrator sign in with a second
	// factor (and enroll one at their next sign-in).
	AdminsMustUseMFA bool
}

// MFAPolicy returns the policy in force.
func (m *Manager) MFAPolicy() MFAPolicy { return *m.mfaPolicy.Load() }

// SetMFAPolicy puts p in force for the next sign-in.
func (m *Manager) SetMFAPolicy(p MFAPolicy) { m.mfaPolicy.Store(&p) }

// secondFactors returns the user's confirmed second factors (recovery
// codes excluded) and all their factors.
func (m *Manager) secondFactors(ctx context.Context, userID string) ([]authcore.Factor, []authcore.Factor, error) {
	all, err := m.store.ListFactors(ctx, userID)
	if err != nil {
		return nil, nil, fmt.Errorf("login: list factors: %w", err)
	}
	var second []authcore.Factor
	for _, f := range all {
		if f.IsSecondFactor() {
			second = append(second, f)
		}
	}
	return second, all, nil
}

// HasSecondFactor reports whether the user has a confirmed second factor.
func (m *Manager) HasSecondFactor(ctx context.Context, userID string) (bool, error) {
	second, _, err := m.secondFactors(ctx, userID)
	return len(second) > 0, err
}

// mustUseMFA reports whether a sign-in of u for returnTo needs a second
// factor even when u has none yet (then u enrolls one): the user's own
// flag, the administrators' policy, the client's require_mfa, or an
// acr_values whose weakest known value is stronger than a password.
func (m *Manager) mustUseMFA(ctx context.Context, u authcore.User, returnTo string) bool {
	if u.RequireMFA || u.Admin && m.MFAPolicy().AdminsMustUseMFA {
		return true
	}
	return RequiredACRRank(ctx, m.store, returnTo) >= authcore.ACRRank(authcore.ACRMFA)
}

// RequiredACRRank is the authentication strength (authcore.ACRRank) an
// authorization request needs: mfa for a client registered with
// require_mfa, and the weakest acr_values entry Latchkey knows (any of
// them satisfies the client; unknown values are ignored, as OIDC Core
// §3.1.2.1 makes acr_values voluntary). returnTo is "/authorize?..."; 0
// means no requirement.
func RequiredACRRank(ctx context.Context, clients authcore.Clients, returnTo string) int {
	q, err := url.ParseQuery(strings.TrimPrefix(returnTo, returnPrefix))
	if err != nil {
		return 0
	}
	need := authcore.RequestedACRRank(strings.Fields(q.Get("acr_values")))
	if id := q.Get("client_id"); id != "" && clients != nil {
		if c, err := clients.GetClient(ctx, id); err == nil && c.RequireMFA {
			need = max(need, authcore.ACRRank(authcore.ACRMFA))
		}
	}
	return need
}

// sessionAuth returns the acr and amr a completed sign-in records:
// the methods used, and the class they satisfy.
func sessionAuth(amr []string) (string, []string) {
	out := slices.Clone(amr)
	if len(out) > 1 && !slices.Contains(out, authcore.AMRMFA) {
		out = append(out, authcore.AMRMFA)
	}
	return authcore.ACRForAMR(out), out
}
