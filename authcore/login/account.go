package login

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// accountPath is the account page, the one return address besides
// /authorize and /device that login accepts.
const accountPath = "/account"

// ReauthWindow is how recent a sign-in must be for a change on the
// account page; an older one signs in again first (as prompt=login).
const ReauthWindow = 5 * time.Minute

// mountAccount registers the account page and the passkey endpoints.
func (m *Manager) mountAccount(mux *http.ServeMux) {
	mux.HandleFunc("GET /login/passkey.js", servePasskeyJS)
	mux.HandleFunc("POST /login/passkey/options", m.handlePasskeyOptions)
	mux.HandleFunc("POST /login/passkey", m.handlePasskeyLogin)
	mux.HandleFunc("GET "+accountPath, m.serveAccount)
	mux.HandleFunc("POST /account/password", m.handleAccountPassword)
	mux.HandleFunc("POST /account/sessions/end", m.handleAccountEndSession)
	mux.HandleFunc("POST /account/consents/withdraw", m.handleAccountWithdraw)
	mux.HandleFunc("POST /account/passkeys/options", m.handleAccountPasskeyOptions)
	mux.HandleFunc("POST /account/passkeys", m.handleAccountPasskeyAdd)
	mux.HandleFunc("POST /account/passkeys/remove", m.handleAccountPasskeyRemove)
	mux.HandleFunc("POST /account/totp", m.handleAccountTOTPBegin) // account_factors.go
	mux.HandleFunc("POST /account/totp/confirm", m.handleAccountTOTPConfirm)
	mux.HandleFunc("POST /account/totp/remove", m.handleAccountTOTPRemove)
	mux.HandleFunc("POST /account/recovery", m.handleAccountRecovery)
	mux.HandleFunc("POST /account/backchannel", m.handleAccountBackchannel) // account_ciba.go
	mux.HandleFunc("GET /account/backchannel", m.serveAccountBackchannel)
	mux.HandleFunc("GET /login/account-live.js", serveAccountLiveJS)
}

// accountView is what the account page shows.
type accountView struct {
	Username    string
	Fresh       bool // the sign-in is recent enough for changes
	PasskeysOff bool
	Passkeys    []passkeyView
	Apps        []passkeyView // authenticator apps (TOTP factors)
	Recovery    int           // unused recovery codes
	HasFactor   bool          // a second factor, so recovery codes make sense
	Sessions    []sessionView
	Consents    []consentView
	Backchannel []backchannelView // pending CIBA requests, account_ciba.go
}

type passkeyView struct {
	ID, Name, Created, LastUsed string
	Synced                      bool
}

type sessionView struct {
	SID, Device, IP, SignedIn, Method string
	LastSeen, LastIP                  string // the last recorded use (sessiontouch.go)
	Current                           bool
}

type consentView struct{ ClientID, Name, Scopes, Since string }

// notices are the page's fixed confirmations, chosen by ?done=.
var notices = map[string]string{
	"password":          "Your password was changed. Your other sessions were signed out.",
	"passkey-added":     "The passkey was added.",
	"passkey-removed":   "The passkey was removed.",
	"session-ended":     "That session was signed out.",
	"consent-withdrawn": "The application's access was withdrawn.",
	"totp-added":        "The authenticator app was added.",
	"totp-removed":      "The authenticator app was removed.",
	"ciba-approved":     "The request was approved. The application can now continue.",
	"ciba-denied":       "The request was denied.",
}

// serveAccount is GET /account: the signed-in user's own settings.
// Without a session it goes through login first.
func (m *Manager) serveAccount(w http.ResponseWriter, r *http.Request) {
	s, u, ok := m.current(r)
	if !ok {
		redirect(w, loginURL(accountPath))
		return
	}
	csrf, err := m.csrfToken(w, r)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	view, err := m.accountView(r.Context(), s, u)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	d := pageData{Title: "Your account", CSRF: csrf, Account: &view, Message: notices[r.URL.Query().Get("done")]}
	// The nonce allows passkey.js and account-live.js (account_ciba.go).
	if d.Nonce, err = m.randomString(16); err != nil {
		m.unavailable(w, r, err)
		return
	}
	m.render(w, http.StatusOK, "account", d, nil)
}

// accountView reads what the page lists.
func (m *Manager) accountView(ctx context.Context, cur authcore.Session, u authcore.User) (accountView, error) {
	v := accountView{Username: u.Username, Fresh: m.fresh(cur), PasskeysOff: m.cfg.Passkeys == nil}
	keys, err := m.listPasskeys(ctx, u.ID)
	if err != nil {
		return v, err
	}
	for _, p := range keys {
		pv := passkeyView{ID: p.ID, Name: p.Name, Created: stamp(p.CreatedAt), Synced: p.BackupState}
		if !p.LastUsedAt.IsZero() {
			pv.LastUsed = stamp(p.LastUsedAt)
		}
		v.Passkeys = append(v.Passkeys, pv)
	}
	factors, err := m.Factors(ctx, u.ID)
	if err != nil {
		return v, err
	}
	for _, f := range factors {
		switch {
		case f.Kind == authcore.FactorTOTP && f.Confirmed:
			pv := passkeyView{ID: f.ID, Name: f.Name, Created: stamp(f.CreatedAt)}
			if pv.Name == "" {
				pv.Name = "Authenticator app"
			}
			if !f.LastUsedAt.IsZero() {
				pv.LastUsed = stamp(f.LastUsedAt)
			}
			v.Apps = append(v.Apps, pv)
		case f.Kind == authcore.FactorRecovery:
			v.Recovery = f.Remaining
		}
	}
	v.HasFactor = len(v.Apps)+len(v.Passkeys) > 0
	sessions, err := m.ListSessions(ctx, u.ID) // live and signed in: no pending second factor
	if err != nil {
		return v, err
	}
	slices.SortFunc(sessions, func(a, b authcore.Session) int { return b.AuthTime.Compare(a.AuthTime) })
	for _, s := range sessions {
		seen, seenIP := s.LastSeen()
		v.Sessions = append(v.Sessions, sessionView{SID: s.SID(), Device: device(s.UserAgent), IP: s.RemoteIP,
			SignedIn: stamp(s.AuthTime), Method: method(s), LastSeen: stamp(seen), LastIP: seenIP, Current: s.ID == cur.ID})
	}
	if v.Backchannel, err = m.backchannelViews(ctx, u.ID); err != nil {
		return v, err
	}
	consents, err := m.store.ListConsents(ctx, u.ID)
	if err != nil {
		return v, err
	}
	for _, c := range consents {
		name := c.ClientID
		if cl, err := m.store.GetClient(ctx, c.ClientID); err == nil && cl.Name != "" {
			name = cl.Name
		}
		v.Consents = append(v.Consents, consentView{ClientID: c.ClientID, Name: name,
			Scopes: strings.Join(c.Scopes, " "), Since: stamp(c.CreatedAt)})
	}
	return v, nil
}

// fresh reports whether s signed in within ReauthWindow.
func (m *Manager) fresh(s authcore.Session) bool {
	return m.now().Sub(s.AuthTime) < ReauthWindow
}

// stamp formats a time for the page, in UTC.
func stamp(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") }

// method names how a session signed in.
func method(s authcore.Session) string {
	switch {
	case s.IdentityProvider != "":
		return "via " + s.IdentityProvider
	case slices.Contains(s.AMR, authcore.AMRHardware) && !slices.Contains(s.AMR, authcore.AMRPassword):
		return "passkey"
	case len(s.AMR) > 1:
		return "password and second factor"
	}
	return "password"
}

// device names a browser and system from a user agent, roughly; the
// full string is never needed to recognise one's own devices.
func device(ua string) string {
	if ua == "" {
		return "Unknown device"
	}
	browser := "Browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"HeadlessChrome/", "Headless Chrome"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Mac OS X", "macOS"},
		{"Windows", "Windows"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return browser + " on " + o.name
		}
	}
	return browser
}
