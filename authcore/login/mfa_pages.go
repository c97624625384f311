package login

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// genericFactorError is all the page says about a wrong second factor.
const genericFactorError = "That code is not valid. Try again."

// mountMFA registers the second-factor step and enrollment at sign-in.
func (m *Manager) mountMFA(mux *http.ServeMux) {
	mux.HandleFunc("GET /login/mfa", m.serveMFA)
	mux.HandleFunc("POST /login/mfa", m.handleMFA)
	mux.HandleFunc("POST /login/mfa/enroll", m.handleEnroll)
}

// mfaURL is the second-factor page that comes back to returnTo.
func mfaURL(returnTo string) string {
	if returnTo == "" {
		return "/login/mfa"
	}
	return "/login/mfa?" + url.Values{"return_to": {returnTo}}.Encode()
}

// RedirectToStepUp answers 303 to the second-factor page for a signed-in
// user whose session is weaker than returnTo's request needs (acr_values,
// a client's require_mfa): the user proves a second factor (or enrolls
// one) without typing the password again, and comes back to returnTo.
func (m *Manager) RedirectToStepUp(w http.ResponseWriter, r *http.Request, returnTo string) {
	if !validReturnTo(returnTo) {
		m.badReturn(w, r, returnTo)
		return
	}
	redirect(w, mfaURL(returnTo))
}

// afterPassword decides what follows a right password: a user with a
// second factor, or one who must use one, gets a pending sign-in and
// goes to the second-factor page (true); anyone else is signed in by the
// caller (false). On failure it has answered and returns true.
func (m *Manager) afterPassword(w http.ResponseWriter, r *http.Request, u authcore.User, returnTo string) bool {
	ctx := requestContext(r)
	has, err := m.HasSecondFactor(ctx, u.ID)
	if err != nil {
		m.unavailable(w, r, err)
		return true
	}
	if !has && !m.mustUseMFA(ctx, u, returnTo) {
		return false
	}
	if _, err := m.startPending(w, r, u, []string{authcore.AMRPassword}, m.now()); err != nil {
		m.unavailable(w, r, err)
		return true
	}
	redirect(w, mfaURL(returnTo))
	return true
}

// serveMFA is GET /login/mfa: the second-factor prompt of a pending
// sign-in, or enrollment when the user has no factor yet. A signed-in
// user sent here to step up gets a pending sign-in from the session.
func (m *Manager) serveMFA(w http.ResponseWriter, r *http.Request) {
	returnTo, ok := singleValue(r.URL.Query(), "return_to")
	if !ok || returnTo != "" && !validReturnTo(returnTo) {
		m.badReturn(w, r, returnTo)
		return
	}
	ctx := requestContext(r)
	p, u, ok := m.currentPending(r)
	if !ok {
		s, su, signedIn := m.current(r)
		if !signedIn {
			redirect(w, loginURL(returnTo))
			return
		}
		amr := s.AMR
		if len(amr) == 0 && s.IdentityProvider == "" {
			amr = []string{authcore.AMRPassword}
		}
		var err error
		if p, err = m.startPending(w, r, su, amr, s.AuthTime); err != nil {
			m.unavailable(w, r, err)
			return
		}
		u = su
		m.record(ctx, audit.Event{Type: audit.StepUp, Outcome: audit.Success, Subject: u.ID, Actor: u.ID,
			Details: map[string]any{"from": s.ACR}})
	}
	csrf, err := m.csrfToken(w, r)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	m.renderMFA(w, r, p, u, pageData{CSRF: csrf, ReturnTo: returnTo}, http.StatusOK)
}

// renderMFA shows the prompt for the user's factors, or enrollment when
// there are none; a user with none who need not have one is signed in.
func (m *Manager) renderMFA(w http.ResponseWriter, r *http.Request, p authcore.Session, u authcore.User, d pageData, status int) {
	ctx := requestContext(r)
	second, all, err := m.secondFactors(ctx, u.ID)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	d.User = u.Username
	if c, err := m.store.GetClient(ctx, parseReturnTo(d.ReturnTo).clientID); d.ReturnTo != "" && err == nil {
		d.ClientName = c.Name
	}
	if len(second) == 0 {
		if !m.mustUseMFA(ctx, u, d.ReturnTo) {
			m.completeSignIn(w, r, p, u, nil, d.ReturnTo, "")
			return
		}
		en, err := m.BeginTOTPEnrollment(ctx, u)
		if err != nil {
			m.unavailable(w, r, err)
			return
		}
		d.Title, d.QRCode, d.Secret, d.FactorID = "Set up an authenticator app", template.URL(en.QRCode), en.Secret, en.FactorID
		m.render(w, status, "enroll", d, nil)
		return
	}
	d.Title = "Second step"
	ch := Challenge{ID: p.SID(), User: u}
	for _, kind := range m.factorOrder {
		mine := ofKind(all, kind)
		if len(mine) == 0 {
			continue
		}
		fp, err := m.factorKinds[kind].Prompt(ctx, ch, mine)
		if err != nil {
			m.unavailable(w, r, err)
			return
		}
		d.Factors = append(d.Factors, fp)
		if fp.Script != "" && !slices.Contains(d.Scripts, fp.Script) {
			d.Scripts = append(d.Scripts, fp.Script)
		}
	}
	m.render(w, status, "mfa", d, nil)
}

// ofKind returns the confirmed factors of kind.
func ofKind(all []authcore.Factor, kind authcore.FactorKind) []authcore.Factor {
	var out []authcore.Factor
	for _, f := range all {
		if f.Kind == kind && f.Confirmed {
			out = append(out, f)
		}
	}
	return out
}

// pendingForm is the common start of the POST handlers: rate limit,
// form, CSRF and the pending sign-in. On failure it has answered.
func (m *Manager) pendingForm(w http.ResponseWriter, r *http.Request) (authcore.Session, authcore.User, string, bool) {
	if ok, wait := m.limiter.Allow(limitKey(remoteIP(r)), m.now()); !ok {
		m.record(requestContext(r), audit.Event{Type: audit.RateLimitHit, Outcome: audit.Failure, Reason: "second factor"})
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		m.message(w, http.StatusTooManyRequests, "Too many attempts",
			"Too many sign-in attempts from your network. Wait a moment and try again.")
		return authcore.Session{}, authcore.User{}, "", false
	}
	returnTo, ok := m.readForm(w, r)
	if !ok {
		return authcore.Session{}, authcore.User{}, "", false
	}
	p, u, ok := m.currentPending(r)
	if !ok {
		redirect(w, loginURL(returnTo))
		return authcore.Session{}, authcore.User{}, "", false
	}
	return p, u, returnTo, true
}

// handleMFA is POST /login/mfa: the second factor of the kind the form
// names. Wrong ones count toward the lockout; a locked account is
// refused whatever it sends.
func (m *Manager) handleMFA(w http.ResponseWriter, r *http.Request) {
	p, u, returnTo, ok := m.pendingForm(w, r)
	if !ok {
		return
	}
	ctx := requestContext(r)
	csrf, _ := singleValue(r.PostForm, csrfField)
	d := pageData{CSRF: csrf, ReturnTo: returnTo, Error: genericFactorError}
	kind := authcore.FactorKind(r.PostForm.Get("kind"))
	_, all, err := m.secondFactors(ctx, u.ID)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	sf, known := m.factorKinds[kind]
	mine := ofKind(all, kind)
	if u.Locked(m.now()) {
		m.record(ctx, audit.Event{Type: audit.MFAFailed, Outcome: audit.Failure, Subject: u.ID, Actor: u.ID,
			Reason: reasonLocked, Details: map[string]any{"kind": string(kind)}})
		m.renderMFA(w, r, p, u, d, http.StatusOK)
		return
	}
	var v Verified
	err = ErrSecondFactor
	if known && len(mine) > 0 {
		v, err = sf.Verify(ctx, Challenge{ID: p.SID(), User: u}, mine, r.PostForm)
	}
	switch {
	case errors.Is(err, ErrSecondFactor):
		reason := reasonBadFactor
		if !known || len(mine) == 0 {
			reason = reasonNoFactor
		}
		if err := m.secondFactorFailed(ctx, u, kind, reason); err != nil {
			m.unavailable(w, r, err)
			return
		}
		m.renderMFA(w, r, p, u, d, http.StatusOK)
		return
	case err != nil:
		m.unavailable(w, r, err)
		return
	}
	if err := m.secondFactorSucceeded(ctx, u, v.Factor); err != nil {
		m.unavailable(w, r, err)
		return
	}
	m.completeSignIn(w, r, p, u, v.AMR, returnTo, v.Notice)
}

// handleEnroll is POST /login/mfa/enroll: the first code of the
// authenticator app set up at sign-in. It completes the sign-in and
// shows the new recovery codes once.
func (m *Manager) handleEnroll(w http.ResponseWriter, r *http.Request) {
	p, u, returnTo, ok := m.pendingForm(w, r)
	if !ok {
		return
	}
	ctx := requestContext(r)
	id, _ := singleValue(r.PostForm, "factor_id")
	code, _ := singleValue(r.PostForm, "code")
	codes, err := m.ConfirmTOTPEnrollment(ctx, u.ID, id, "", code)
	switch {
	case errors.Is(err, ErrSecondFactor), errors.Is(err, ErrEnrollment):
		csrf, _ := singleValue(r.PostForm, csrfField)
		m.renderMFA(w, r, p, u, pageData{CSRF: csrf, ReturnTo: returnTo,
			Error: "That code did not match. Scan the new code below and try again."}, http.StatusOK)
		return
	case err != nil:
		m.unavailable(w, r, err)
		return
	}
	if !m.finishSignIn(w, r, p, u, []string{authcore.AMROTP}) {
		return
	}
	if returnTo == "" {
		returnTo = "/login"
	}
	m.render(w, http.StatusOK, "codes", pageData{Title: "Save your recovery codes", Codes: codes,
		Link: returnTo, LinkText: "Continue"}, nil)
}

// completeSignIn ends the pending sign-in p, signs u in with the methods
// p proved plus amr, and answers: 303 to returnTo, or a page with notice
// and a link to go on.
func (m *Manager) completeSignIn(w http.ResponseWriter, r *http.Request, p authcore.Session, u authcore.User, amr []string, returnTo, notice string) {
	if !m.finishSignIn(w, r, p, u, amr) {
		return
	}
	if returnTo == "" {
		returnTo = "/login"
	}
	if notice != "" {
		m.render(w, http.StatusOK, "message", pageData{Title: "Signed in", Message: notice,
			Link: returnTo, LinkText: "Continue"}, nil)
		return
	}
	redirect(w, returnTo)
}

// finishSignIn is completeSignIn without the answer; on failure it has
// answered and returns false.
func (m *Manager) finishSignIn(w http.ResponseWriter, r *http.Request, p authcore.Session, u authcore.User, amr []string) bool {
	ctx := requestContext(r)
	if err := m.endPending(ctx, w, p); err != nil {
		m.unavailable(w, r, err)
		return false
	}
	methods := append(slices.Clone(p.AMR), amr...)
	acr, methods := sessionAuth(methods)
	if _, err := m.startSession(w, r, u, func(s *authcore.Session) { s.ACR, s.AMR = acr, methods }); err != nil {
		m.unavailable(w, r, err)
		return false
	}
	if _, err := m.newCSRF(w); err != nil {
		m.unavailable(w, r, err)
		return false
	}
	return true
}
