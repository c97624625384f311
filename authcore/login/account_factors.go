package login

import (
	"errors"
	"html/template"
	"net/http"

	"github.com/latchkey/latchkey/authcore"
)

// The authenticator app and recovery codes on the account page, through
// the second-factor framework's enrollment (factor_totp_enroll.go,
// factor_recovery.go, factors_admin.go). Every change needs a recent
// sign-in, as the rest of the page.

// handleAccountTOTPBegin is POST /account/totp: a new, unconfirmed
// authenticator-app factor and its QR code.
func (m *Manager) handleAccountTOTPBegin(w http.ResponseWriter, r *http.Request) {
	_, u, ok := m.accountChange(w, r, false)
	if !ok {
		return
	}
	en, err := m.BeginTOTPEnrollment(requestContext(r), u)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	csrf, _ := singleValue(r.PostForm, csrfField)
	m.render(w, http.StatusOK, "account-totp", pageData{Title: "Set up an authenticator app", CSRF: csrf,
		QRCode: template.URL(en.QRCode), Secret: en.Secret, FactorID: en.FactorID}, nil)
}

// handleAccountTOTPConfirm is POST /account/totp/confirm: the app's
// first code. A user's first second factor comes with recovery codes,
// shown once.
func (m *Manager) handleAccountTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	s, u, ok := m.accountChange(w, r, false)
	if !ok {
		return
	}
	id, _ := singleValue(r.PostForm, "factor_id")
	code, _ := singleValue(r.PostForm, "code")
	raw, _ := singleValue(r.PostForm, "name")
	name, ok := passkeyName(raw)
	if !ok {
		name = "Authenticator app"
	}
	codes, err := m.ConfirmTOTPEnrollment(requestContext(r), u.ID, id, name, code)
	switch {
	case errors.Is(err, ErrSecondFactor), errors.Is(err, ErrEnrollment):
		m.accountError(w, r, s, u, "That code did not match. Set up the authenticator app again.")
		return
	case err != nil:
		m.unavailable(w, r, err)
		return
	}
	if codes == nil {
		redirect(w, accountPath+"?done=totp-added")
		return
	}
	m.showCodes(w, r, "The authenticator app was added.", codes)
}

// handleAccountTOTPRemove is POST /account/totp/remove.
func (m *Manager) handleAccountTOTPRemove(w http.ResponseWriter, r *http.Request) {
	s, u, ok := m.accountChange(w, r, false)
	if !ok {
		return
	}
	id, _ := singleValue(r.PostForm, "id")
	ctx := requestContext(r)
	f, err := m.store.GetFactor(ctx, u.ID, id)
	if err == nil && f.Kind != authcore.FactorTOTP {
		err = authcore.ErrNotFound
	}
	if err == nil {
		err = m.RemoveFactor(ctx, u.ID, id, u.ID)
	}
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		m.accountError(w, r, s, u, "That authenticator app is already gone.")
		return
	case err != nil:
		m.unavailable(w, r, err)
		return
	}
	redirect(w, accountPath+"?done=totp-removed")
}

// handleAccountRecovery is POST /account/recovery: ten new recovery
// codes replace the old ones, shown once. Only a user with a second
// factor has any.
func (m *Manager) handleAccountRecovery(w http.ResponseWriter, r *http.Request) {
	s, u, ok := m.accountChange(w, r, false)
	if !ok {
		return
	}
	ctx := requestContext(r)
	switch has, err := m.HasSecondFactor(ctx, u.ID); {
	case err != nil:
		m.unavailable(w, r, err)
		return
	case !has:
		m.accountError(w, r, s, u, "Add a passkey or an authenticator app first.")
		return
	}
	codes, err := m.GenerateRecoveryCodes(ctx, u.ID, u.ID)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	m.showCodes(w, r, "New recovery codes replace your old ones.", codes)
}

// showCodes shows recovery codes once; the page is never cached.
func (m *Manager) showCodes(w http.ResponseWriter, _ *http.Request, lead string, codes []string) {
	m.render(w, http.StatusOK, "account-codes", pageData{Title: "Recovery codes", Message: lead, Codes: codes}, nil)
}
