package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/egress"
)

// CIBAChannel is the authentication channel: an administrator's webhook
// that is told of every new CIBA request, so an organisation can push it
// to the user's phone (a chat message, a push notification) with a link
// to the account page, where the user decides. It is called with a JSON
// body (cibaChannelEvent) and, when Token is set, "Authorization:
// Bearer <Token>". The call goes through the egress guard; a failure
// does not fail the request (the user can still find it on the account
// page).
type CIBAChannel struct {
	// URL is the webhook; "" turns the channel off.
	URL string
	// Token authenticates Latchkey to the webhook.
	Token string
}

// cibaChannelEvent is the channel webhook's body. It holds no secret:
// request_id is the hash of the auth_req_id.
type cibaChannelEvent struct {
	RequestID      string   `json:"request_id"`
	UserID         string   `json:"user_id"`
	Username       string   `json:"username"`
	ClientID       string   `json:"client_id"`
	ClientName     string   `json:"client_name"`
	BindingMessage string   `json:"binding_message,omitempty"`
	Scope          string   `json:"scope"`
	ACRValues      []string `json:"acr_values,omitempty"`
	ExpiresAt      string   `json:"expires_at"`
	ApproveURL     string   `json:"approve_url"`
}

// cibaNotifier delivers pings and channel calls in the background,
// through two egress guards: one that follows CIBAConfig.AllowPrivate
// (administrator-registered clients, the channel) and one that never
// allows inward addresses (self-registered clients).
type cibaNotifier struct {
	trusted, strict *http.Client
	inflight        chan struct{}
	tries           int
	backoff         time.Duration
}

// maxNotifyInflight bounds deliveries running at once; past it a
// delivery is given up (and audited), never queued without bound.
const maxNotifyInflight = 64

func newCIBANotifier(cfg CIBAConfig) *cibaNotifier {
	var trusted, strict egress.Guard
	trusted.SetAllowPrivate(cfg.AllowPrivate)
	n := &cibaNotifier{trusted: trusted.NewClient(0), strict: strict.NewClient(0),
		inflight: make(chan struct{}, maxNotifyInflight), tries: cfg.NotifyTries, backoff: cfg.NotifyBackoff}
	if n.tries <= 0 {
		n.tries = 3
	}
	if n.backoff <= 0 {
		n.backoff = time.Second
	}
	return n
}

// BackchannelDecided is login.Config.OnBackchannelDecided: after the
// user approved or denied a request, a ping-mode client is sent its
// auth_req_id at its notification endpoint with its
// client_notification_token as bearer (CIBA Core 1.0 §10.2, §12); it
// then redeems it (or learns access_denied) at /token. It does not
// block.
func (s *Server) BackchannelDecided(ctx context.Context, r authcore.BackchannelRequest) {
	c, err := s.store.GetClient(ctx, r.ClientID)
	if err != nil || c.BackchannelTokenDeliveryMode != authcore.CIBAPing || r.PingSeed == "" ||
		c.BackchannelClientNotificationEndpoint == "" || r.NotificationToken == "" {
		return
	}
	body, _ := json.Marshal(map[string]string{"auth_req_id": s.pingAuthReqID(r.PingSeed, r.ExpiresAt)})
	hc := s.ciba.trusted
	if c.SelfRegistered() {
		hc = s.ciba.strict
	}
	ev := audit.Event{Type: audit.BackchannelNotified, Subject: r.UserID, ClientID: c.ID,
		Details: map[string]any{"target": "ping", "request": r.Hash}}
	s.ciba.start(ctx, s, hc, c.BackchannelClientNotificationEndpoint, r.NotificationToken, body, ev)
}

// callChannel tells the authentication channel of a new request.
func (s *Server) callChannel(ctx context.Context, c authcore.Client, u authcore.User, r authcore.BackchannelRequest) {
	ch := s.cfg.CIBA.Channel
	if ch.URL == "" {
		return
	}
	body, _ := json.Marshal(cibaChannelEvent{RequestID: r.Hash, UserID: u.ID, Username: u.Username,
		ClientID: c.ID, ClientName: c.Name, BindingMessage: r.BindingMessage, Scope: strings.Join(r.Scopes, " "),
		ACRValues: r.ACRValues, ExpiresAt: r.ExpiresAt.UTC().Format(time.RFC3339), ApproveURL: s.cfg.Issuer + "/account"})
	ev := audit.Event{Type: audit.BackchannelNotified, Subject: u.ID, ClientID: c.ID,
		Details: map[string]any{"target": "channel", "request": r.Hash}}
	s.ciba.start(ctx, s, s.ciba.trusted, ch.URL, ch.Token, body, ev)
}

// start runs one delivery in the background, or audits it as given up
// when too many are in flight.
func (n *cibaNotifier) start(ctx context.Context, s *Server, hc *http.Client, target, bearer string, body []byte, ev audit.Event) {
	ctx = context.WithoutCancel(ctx)
	select {
	case n.inflight <- struct{}{}:
	default:
		ev.Outcome, ev.Reason = audit.Failure, "too many deliveries in flight"
		s.record(ctx, ev)
		return
	}
	go func() {
		defer func() { <-n.inflight }()
		n.deliver(ctx, s, hc, target, bearer, body, ev)
	}()
}

// deliver POSTs body until the receiver answers 2xx, answers a client
// error other than 429, the guard refuses the address, or n.tries
// attempts failed, waiting n.backoff (doubling) between them. It records
// one event; neither the bearer nor the body is ever logged.
func (n *cibaNotifier) deliver(ctx context.Context, s *Server, hc *http.Client, target, bearer string, body []byte, ev audit.Event) {
	wait := n.backoff
	for attempt := 1; ; attempt++ {
		status, err := postJSON(ctx, hc, target, bearer, body)
		ev.Details["attempts"], ev.Details["status"] = attempt, status
		switch {
		case err == nil && status >= 200 && status < 300:
			ev.Outcome, ev.Reason = audit.Success, ""
			s.record(ctx, ev)
			return
		case err == nil && status < 500 && status != http.StatusTooManyRequests:
			ev.Outcome, ev.Reason = audit.Failure, fmt.Sprintf("receiver answered %d", status)
			s.record(ctx, ev)
			return
		case egress.IsBlocked(err):
			ev.Outcome, ev.Reason = audit.Failure, "target resolves to a private address"
			s.record(ctx, ev)
			return
		case err != nil:
			ev.Reason = "delivery failed"
		default:
			ev.Reason = fmt.Sprintf("receiver answered %d", status)
		}
		if attempt >= n.tries {
			ev.Outcome = audit.Failure
			s.record(ctx, ev)
			return
		}
		time.Sleep(wait)
		wait *= 2
	}
}

// postJSON sends one JSON POST and returns the status.
func postJSON(ctx context.Context, hc *http.Client, target, bearer string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
