package oidc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/egress"
)

// TypLogoutToken is the typ header of logout tokens (OIDC Back-Channel
// Logout 1.0 §2.4): it keeps them from passing for ID tokens.
const TypLogoutToken = "logout+jwt"

// EventBackchannelLogout is the events member of a logout token (OIDC
// Back-Channel Logout 1.0 §2.4).
const EventBackchannelLogout = "http://schemas.openid.net/event/backchannel-logout"

// SessionEnded is login.Config.OnSessionEnded: when a browser session
// ends, however it ends, every client the user has consented to that
// registered a backchannel_logout_uri is sent a logout token naming the
// user (sub) and the session (sid) (OIDC Back-Channel Logout 1.0 §2.5,
// §2.7). Clients that never saw the session ignore its sid. Delivery
// runs in the background; SessionEnded does not block.
func (p *Provider) SessionEnded(ctx context.Context, s authcore.Session, reason string) {
	consents, err := p.store.ListConsents(ctx, s.UserID)
	if err != nil {
		p.log.Error().Err(err).Msg("oidc: back-channel logout: list consents")
		return
	}
	for _, cons := range consents {
		c, err := p.store.GetClient(ctx, cons.ClientID)
		if err != nil || c.BackchannelLogoutURI == "" {
			continue
		}
		p.notify(ctx, c, s)
	}
}

// logoutClaims builds a logout token's claims (Back-Channel Logout 1.0
// §2.4): iss, aud, iat, exp, jti, sub, sid and events; never a nonce.
func (p *Provider) logoutClaims(c authcore.Client, s authcore.Session, now time.Time) (jwt.MapClaims, error) {
	jti, err := p.randomID()
	if err != nil {
		return nil, err
	}
	return jwt.MapClaims{
		"iss": p.cfg.Issuer, "aud": c.ID, "iat": unix(now),
		"exp": unix(now.Add(p.cfg.LogoutTokenTTL)), "jti": jti,
		"sub": p.subjectOf(c, s.UserID), "sid": s.SID(),
		"events": map[string]any{EventBackchannelLogout: map[string]any{}},
	}, nil
}

// notify signs a logout token for c and starts its delivery.
func (p *Provider) notify(ctx context.Context, c authcore.Client, s authcore.Session) {
	ev := audit.Event{Type: audit.LogoutBackchannel, Outcome: audit.Failure, Subject: s.UserID,
		ClientID: c.ID, Details: map[string]any{"sid": s.SID()}}
	ctx = context.WithoutCancel(ctx)
	if err := checkTarget(c.BackchannelLogoutURI); err != nil {
		ev.Reason = "backchannel_logout_uri refused"
		p.record(ctx, ev)
		return
	}
	claims, err := p.logoutClaims(c, s, p.now())
	var tok string
	if err == nil {
		tok, err = p.signer.Sign(c.IDTokenSignedResponseAlg, TypLogoutToken, claims)
	}
	if err != nil {
		p.log.Error().Err(err).Str("client_id", c.ID).Msg("oidc: sign logout token")
		ev.Reason = "logout token not signed"
		p.record(ctx, ev)
		return
	}
	select {
	case p.inflight <- struct{}{}:
	default:
		ev.Reason = "too many deliveries in flight"
		p.record(ctx, ev)
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() { <-p.inflight }()
		p.deliver(ctx, p.deliveryClient(c), c.BackchannelLogoutURI, tok, ev)
	}()
}

// deliver POSTs the logout token (Back-Channel Logout 1.0 §2.5) until
// the client answers 200 or 204, answers a client error other than 429,
// or BackchannelTries attempts have failed, waiting BackchannelBackoff
// (doubling) between them. It records one event for the delivery.
func (p *Provider) deliver(ctx context.Context, hc *http.Client, target, tok string, ev audit.Event) {
	wait := p.cfg.BackchannelBackoff
	for attempt := 1; ; attempt++ {
		status, err := p.post(ctx, hc, target, tok)
		ev.Details["attempts"], ev.Details["status"] = attempt, status
		switch {
		case err == nil && (status == http.StatusOK || status == http.StatusNoContent):
			ev.Outcome, ev.Reason = audit.Success, ""
			p.record(ctx, ev)
			return
		case err == nil && status < 500 && status != http.StatusTooManyRequests:
			ev.Reason = fmt.Sprintf("client answered %d", status)
			p.record(ctx, ev)
			return
		case egress.IsBlocked(err):
			ev.Reason = "backchannel_logout_uri resolves to a private address"
			p.record(ctx, ev)
			return
		case err != nil:
			ev.Reason = "delivery failed"
		default:
			ev.Reason = fmt.Sprintf("client answered %d", status)
		}
		if attempt >= p.cfg.BackchannelTries {
			p.record(ctx, ev)
			return
		}
		select {
		case <-p.closing:
			ev.Reason += "; shutting down"
			p.record(ctx, ev)
			return
		case <-time.After(wait):
			wait *= 2
		}
	}
}

// SetBackchannelAllowPrivate lets logout tokens reach loopback, private
// and link-local addresses (allow) or refuses them again, from the next
// delivery attempt on (Config.BackchannelAllowPrivate).
func (p *Provider) SetBackchannelAllowPrivate(allow bool) { p.egress.SetAllowPrivate(allow) }

// deliveryClient is the HTTP client for c's logout tokens. A client that
// registered itself (RFC 7591: it holds a registration access token)
// chose its back-channel URI unvetted, so the egress guard refuses
// loopback, private and link-local targets for it, however the name
// resolves, unless the administrator allows them. A client an
// administrator registered is trusted with its URI, as with its
// redirect URIs. Both clients have no proxy, no redirects and a timeout.
func (p *Provider) deliveryClient(c authcore.Client) *http.Client {
	if len(c.RegistrationTokenHash) > 0 {
		return p.http
	}
	return p.httpTrusted
}

// post sends one delivery attempt with hc: no proxy, no redirects,
// DefaultBackchannelTimeout for the whole attempt.
func (p *Provider) post(ctx context.Context, hc *http.Client, target, tok string) (int, error) {
	body := strings.NewReader(url.Values{"logout_token": {tok}}.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// checkTarget accepts https, or http to a loopback address, without
// userinfo: outbound logout POSTs go nowhere else.
func checkTarget(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return errors.New("oidc: back-channel target is not an absolute URL")
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme == "http" {
		h := u.Hostname()
		if ip := net.ParseIP(h); h == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return errors.New("oidc: back-channel target must be https (http only on loopback)")
}
