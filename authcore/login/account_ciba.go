package login

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// backchannelView is one pending CIBA request on the account page: who
// asks, for what, with the binding message the user compares with the
// one the client shows (CIBA Core 1.0 §7.1).
type backchannelView struct {
	ID, Client, Binding, Scopes, ACR, Expires string
	NeedsMFA                                  bool
}

// backchannelViews lists the user's pending CIBA requests.
func (m *Manager) backchannelViews(ctx context.Context, userID string) ([]backchannelView, error) {
	reqs, err := m.store.ListBackchannelRequests(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []backchannelView
	for _, b := range reqs {
		if b.Status != authcore.DevicePending || !m.now().Before(b.ExpiresAt) {
			continue
		}
		c, err := m.store.GetClient(ctx, b.ClientID)
		if err != nil {
			continue // a deleted client's request can no longer be redeemed
		}
		out = append(out, backchannelView{ID: b.Hash, Client: c.Name, Binding: b.BindingMessage,
			Scopes: strings.Join(b.Scopes, " "), ACR: strings.Join(b.ACRValues, " "), Expires: stamp(b.ExpiresAt),
			NeedsMFA: backchannelNeed(c, b) > authcore.ACRRank(authcore.ACRPassword)})
	}
	return out, nil
}

// backchannelNeed is the sign-in strength (authcore.ACRRank) approving b
// takes: the weakest known acr_values entry, and mfa for a client
// registered with require_mfa (as at /authorize, RequiredACRRank).
func backchannelNeed(c authcore.Client, b authcore.BackchannelRequest) int {
	need := authcore.RequestedACRRank(b.ACRValues)
	if c.RequireMFA {
		need = max(need, authcore.ACRRank(authcore.ACRMFA))
	}
	return need
}

// accountLiveJS keeps the account page's list of requests current.
var accountLiveJS = mustRead("assets/account_live.js")

func serveAccountLiveJS(w http.ResponseWriter, _ *http.Request) { writeScript(w, accountLiveJS) }

// serveAccountBackchannel is GET /account/backchannel: the ids of the
// signed-in user's pending CIBA requests, for account-live.js, so a
// request appears on the open page without a manual reload.
func (m *Manager) serveAccountBackchannel(w http.ResponseWriter, r *http.Request) {
	_, u, ok := m.current(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Sign in first.", "redirect": reauthURL})
		return
	}
	views, err := m.backchannelViews(requestContext(r), u.ID)
	if err != nil {
		m.unavailable(w, r, err)
		return
	}
	ids := make([]string, 0, len(views))
	for _, v := range views {
		ids = append(ids, v.ID)
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": ids})
}

// errNotYours: the request is not the signed-in user's.
var errNotYours = errors.New("login: backchannel request of another user")

// handleAccountBackchannel is POST /account/backchannel: the signed-in
// user approves or denies one of their pending CIBA requests. Approving
// takes a sign-in within ReauthWindow and, when the client or the
// requested acr asks for it, a second factor (the user is sent to the
// second-factor step, and back). Deny needs only the session. The
// decision is recorded once; Config.OnBackchannelDecided then pings a
// ping-mode client.
func (m *Manager) handleAccountBackchannel(w http.ResponseWriter, r *http.Request) {
	if !m.parseCSRFForm(w, r) {
		return
	}
	s, u, ok := m.current(r)
	id, ok1 := singleValue(r.PostForm, "request")
	decision, ok2 := singleValue(r.PostForm, "decision")
	switch {
	case !ok:
		redirect(w, reauthURL)
		return
	case !ok1 || !ok2 || len(id) > 128 || decision != "approve" && decision != "deny":
		m.message(w, http.StatusBadRequest, "Bad request", "Choose Approve or Deny for one request.")
		return
	case decision == "approve" && !m.fresh(s):
		redirect(w, reauthURL)
		return
	}
	ctx := requestContext(r)
	b, c, found, err := m.ownBackchannel(ctx, u.ID, id)
	switch {
	case err != nil:
		m.unavailable(w, r, err)
		return
	case !found:
		m.message(w, http.StatusBadRequest, "Request not found", "This request was already decided or has expired.")
		return
	}
	acr, amr := s.AuthContext()
	if decision == "approve" && authcore.ACRRank(acr) < backchannelNeed(c, b) {
		m.record(ctx, audit.Event{Type: audit.StepUp, Outcome: audit.Failure, Actor: u.ID, Subject: u.ID,
			ClientID: c.ID, Details: map[string]any{"flow": "ciba"}})
		redirect(w, mfaURL(accountPath))
		return
	}
	now := m.now()
	b, err = m.store.UpdateBackchannelRequest(ctx, b.Hash, func(b authcore.BackchannelRequest) (authcore.BackchannelRequest, error) {
		switch {
		case b.UserID != u.ID:
			return b, errNotYours
		case b.Status != authcore.DevicePending || !now.Before(b.ExpiresAt):
			return b, authcore.ErrConsumed
		case decision == "deny":
			b.Status = authcore.DeviceDenied
		default:
			b.Status, b.SessionID, b.AuthTime, b.ACR, b.AMR = authcore.DeviceApproved, s.SID(), s.AuthTime, acr, amr
		}
		return b, nil
	})
	switch {
	case errors.Is(err, authcore.ErrConsumed), errors.Is(err, authcore.ErrNotFound), errors.Is(err, errNotYours):
		m.message(w, http.StatusBadRequest, "Request not found", "This request was already decided or has expired.")
		return
	case err != nil:
		m.unavailable(w, r, err)
		return
	}
	e := audit.Event{Type: audit.ConsentGranted, Outcome: audit.Success, Actor: u.ID, Subject: u.ID, ClientID: c.ID,
		Details: map[string]any{"scope": strings.Join(b.Scopes, " "), "flow": "ciba", "request": b.Hash}}
	done := "ciba-approved"
	if decision == "deny" {
		e.Type, e.Outcome, done = audit.ConsentDenied, audit.Failure, "ciba-denied"
	}
	m.record(ctx, e)
	if m.cfg.OnBackchannelDecided != nil {
		m.cfg.OnBackchannelDecided(ctx, b)
	}
	redirect(w, accountPath+"?done="+done)
}

// ownBackchannel finds the user's pending request id and its client.
func (m *Manager) ownBackchannel(ctx context.Context, userID, id string) (authcore.BackchannelRequest, authcore.Client, bool, error) {
	reqs, err := m.store.ListBackchannelRequests(ctx, userID)
	if err != nil {
		return authcore.BackchannelRequest{}, authcore.Client{}, false, err
	}
	for _, b := range reqs {
		if b.Hash != id || b.Status != authcore.DevicePending || !m.now().Before(b.ExpiresAt) {
			continue
		}
		c, err := m.store.GetClient(ctx, b.ClientID)
		if errors.Is(err, authcore.ErrNotFound) {
			return b, c, false, nil
		}
		return b, c, err == nil, err
	}
	return authcore.BackchannelRequest{}, authcore.Client{}, false, nil
}
