package oidc

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// maxEndSessionForm bounds a POST /end_session body.
const maxEndSessionForm = 32 << 10

// endSessionParams are what RP-Initiated Logout 1.0 §2 sends.
var endSessionParams = []string{"id_token_hint", "client_id", "post_logout_redirect_uri", "state"}

// logoutRequest is a validated RP-initiated logout request.
type logoutRequest struct {
	hint     *hintClaims // nil without a valid id_token_hint
	client   authcore.Client
	hasCli   bool
	redirect string // validated post_logout_redirect_uri, or ""
	state    string
	fields   url.Values // the parameters, carried through confirmation
}

// handleEndSession is the end_session_endpoint, GET and POST (OIDC
// RP-Initiated Logout 1.0 §2, §3). A post_logout_redirect_uri must equal
// one the client registered, byte for byte, and needs the client named by
// client_id or the hint (§3); otherwise the answer is an error page and
// no redirect. With an id_token_hint this issuer signed (expired or not)
// for the signed-in user the session ends at once; otherwise the user is
// asked first (§2), so a cross-site request cannot sign anyone out.
func (p *Provider) handleEndSession(w http.ResponseWriter, r *http.Request) {
	q, decision, ok := p.readEndSession(w, r)
	if !ok {
		return
	}
	lr, err := p.parseLogout(r, q)
	var why refusal
	if errors.As(err, &why) {
		p.sessions.Message(w, http.StatusBadRequest, "Invalid sign-out request", string(why))
		return
	}
	sess, signedIn := p.sessions.Session(r)
	switch {
	case decision == "stay":
		p.sessions.Message(w, http.StatusOK, "Still signed in", "You are still signed in.")
		return
	case decision == "logout", !signedIn:
	case lr.hint != nil && lr.hint.Subject == sess.UserID:
	default:
		name := ""
		if lr.hasCli {
			name = lr.client.Name
		}
		p.sessions.LogoutPrompt(w, r, "/end_session", lr.fields, name, lr.trustedRedirect(sess.UserID))
		return
	}
	ended, did, err := p.sessions.Logout(w, r)
	if err != nil {
		p.log.Error().Err(err).Msg("oidc: end session")
		p.sessions.Message(w, http.StatusServiceUnavailable, "Temporarily unavailable",
			"Signing out is temporarily unavailable. Please try again in a moment.")
		return
	}
	e := audit.Event{Type: audit.LogoutRequested, ClientID: lr.client.ID}
	if did {
		e.Subject, e.Actor, e.Details = ended.UserID, ended.UserID, map[string]any{"sid": ended.SID()}
	}
	p.record(r.Context(), e)
	target := lr.redirect
	if lr.state != "" && target != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + url.Values{"state": {lr.state}}.Encode()
	}
	endedUser := ""
	if did {
		endedUser = ended.UserID
	}
	if fp, ok := p.sessions.(frontchannelPages); ok && did { // frontchannel.go
		if frames := p.frontchannelFrames(r.Context(), ended); len(frames) > 0 {
			name := ""
			if lr.hasCli {
				name = lr.client.Name
			}
			fp.SignedOutFrames(w, frames, name, target, target != "" && lr.trustedRedirect(endedUser) != "")
			return
		}
	}
	if lr.redirect == "" {
		p.sessions.Message(w, http.StatusOK, "Signed out", "You have been signed out.")
		return
	}
	if lr.trustedRedirect(endedUser) == "" {
		p.sessions.SignedOut(w, lr.client.Name, target)
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	noStore(w.Header())
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusSeeOther)
}

// trustedRedirect is the post-logout redirect URI Latchkey may send the
// browser of user (whose session ends, "" when none) to, or "": a client
// that registered itself (RFC 7591) chose its URIs unvetted, so unless a
// valid id_token_hint shows that this very user signed in to that client
// here, it gets a link on the signed-out page, not a redirect (RFC 9700
// §4.11.2); a hint of the client's author's own sign-in does not make a
// visitor's browser follow it. Clients an administrator registered are
// redirected to as before.
func (lr *logoutRequest) trustedRedirect(user string) string {
	if lr.client.SelfRegistered() && (lr.hint == nil || user == "" || lr.hint.Subject != user) {
		return ""
	}
	return lr.redirect
}

// readEndSession returns the request parameters and, for a submitted
// confirmation form (CSRF-checked), its decision. On failure it has
// answered.
func (p *Provider) readEndSession(w http.ResponseWriter, r *http.Request) (url.Values, string, bool) {
	if r.Method != http.MethodPost {
		return r.URL.Query(), "", true
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxEndSessionForm)
	if err := r.ParseForm(); err != nil {
		p.sessions.Message(w, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return nil, "", false
	}
	if !r.PostForm.Has("decision") {
		return r.PostForm, "", true // an RP's form post (§2 allows POST)
	}
	form, ok := p.sessions.VerifyForm(w, r)
	if !ok {
		return nil, "", false
	}
	d := form.Get("decision")
	if len(form["decision"]) != 1 || (d != "logout" && d != "stay") {
		p.sessions.Message(w, http.StatusBadRequest, "Bad request", "Choose Sign out or Stay signed in.")
		return nil, "", false
	}
	return form, d, true
}

// refusal is why a logout request is refused: a sentence for the error
// page, holding nothing internal.
type refusal string

// Error implements error.
func (r refusal) Error() string { return "oidc: logout request refused: " + string(r) }

// The refusals of parseLogout.
const (
	errDup           refusal = "A parameter was sent more than once."
	errBadHint       refusal = "The id_token_hint was not issued by this server."
	errClientMissing refusal = "The application is unknown."
	errClientHint    refusal = "The client_id does not match the id_token_hint."
	errRedirect      refusal = "The post_logout_redirect_uri is not registered for this application."
)

// parseLogout validates the parameters of an end-session request.
func (p *Provider) parseLogout(r *http.Request, q url.Values) (*logoutRequest, error) {
	lr := &logoutRequest{fields: url.Values{}}
	for _, k := range endSessionParams {
		switch len(q[k]) {
		case 0:
		case 1:
			if q.Get(k) != "" {
				lr.fields.Set(k, q.Get(k))
			}
		default:
			return nil, errDup
		}
	}
	if h := lr.fields.Get("id_token_hint"); h != "" {
		hc, err := p.verifyHint(r.Context(), h)
		if err != nil {
			return nil, errBadHint
		}
		lr.hint = hc
	}
	id := lr.fields.Get("client_id")
	switch {
	case id != "" && lr.hint != nil && !slices.Contains(lr.hint.Audience, id):
		return nil, errClientHint
	case id == "" && lr.hint != nil:
		id = lr.hint.AuthorizedParty
		if id == "" && len(lr.hint.Audience) == 1 {
			id = lr.hint.Audience[0]
		}
	}
	if id != "" {
		c, err := p.store.GetClient(r.Context(), id)
		if err != nil {
			return nil, errClientMissing
		}
		lr.client, lr.hasCli = c, true
	}
	lr.state = lr.fields.Get("state")
	if u := lr.fields.Get("post_logout_redirect_uri"); u != "" {
		if !lr.hasCli || !slices.Contains(lr.client.PostLogoutRedirectURIs, u) {
			return nil, errRedirect
		}
		lr.redirect = u
	}
	return lr, nil
}
