package oauth

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// CIBA defaults (CIBA Core 1.0 §7.3).
const (
	DefaultCIBALifetime    = 10 * time.Minute
	DefaultCIBAMaxLifetime = 30 * time.Minute
	DefaultCIBAInterval    = 5 * time.Second
)

// Error codes of the backchannel authentication endpoint (CIBA Core 1.0
// §13).
const (
	CodeUnknownUserID         = "unknown_user_id"
	CodeExpiredLoginHintToken = "expired_login_hint_token"
	CodeInvalidBindingMessage = "invalid_binding_message"
)

// Bounds of a CIBA request.
const (
	maxBindingMessage    = 64 // characters, shown on the account page and the user's phone
	maxNotificationToken = 1024
	maxHintLength        = 8 << 10
	authReqIDBytes       = 32 // 256 bits, as codes and refresh tokens
	cibaPingSeedBytes    = 32
	// cibaDerivationTag separates ping-mode auth_req_id derivation from
	// every other use of the pepper.
	cibaDerivationTag = "latchkey ciba auth_req_id v1"
)

// CIBAConfig configures OpenID Connect Client-Initiated Backchannel
// Authentication (CIBA Core 1.0) in the poll and ping modes. It needs
// Config.OpenID; the zero value turns it on with 10 min requests and a
// 5 s interval.
type CIBAConfig struct {
	// Disabled turns /bc-authorize and the CIBA grant off; neither is
	// then advertised.
	Disabled bool
	// Lifetime of a request without requested_expiry (10 min);
	// MaxLifetime bounds requested_expiry (30 min).
	Lifetime    time.Duration
	MaxLifetime time.Duration
	// Interval is the minimum polling interval (5 s).
	Interval time.Duration
	// Channel is the optional authentication-channel webhook
	// (ciba_notify.go).
	Channel CIBAChannel
	// AllowPrivate lets pings of administrator-registered clients and
	// the channel webhook reach loopback, private and link-local
	// addresses; pings of self-registered clients never may.
	AllowPrivate bool
	// AnswerFloor is the least time /bc-authorize takes to accept a
	// request or to answer unknown_user_id (50 ms), so the two do not
	// differ in time by more than the work past it; negative turns it
	// off.
	AnswerFloor time.Duration
	// NotifyTries bounds the attempts of one ping or webhook call (3);
	// NotifyBackoff is the first wait between them, doubling (1 s).
	NotifyTries   int
	NotifyBackoff time.Duration
}

// cibaEndpoint: confidential clients only (CIBA Core 1.0 §7.1).
var cibaEndpoint = clientEndpoint{perClient: true, authError: cibaAuthError}

// cibaAuthError refuses a public client at /bc-authorize: it cannot
// authenticate, and CIBA is for confidential clients (CIBA Core 1.0 §4).
func cibaAuthError(ca clientAuth, err error) error {
	if err == nil && ca.client.Type != authcore.Confidential {
		return newError(CodeUnauthorizedClient, http.StatusBadRequest, "backchannel authentication needs a confidential client")
	}
	return err
}

// cibaEnabled reports whether CIBA runs: it needs the OpenID provider.
func (s *Server) cibaEnabled() bool { return !s.cfg.CIBA.Disabled && s.cfg.OpenID != nil }

// mountCIBA mounts /bc-authorize when CIBA runs.
func (s *Server) mountCIBA(mux *http.ServeMux) {
	if s.cibaEnabled() {
		mux.HandleFunc("POST /bc-authorize", s.handleBackchannelAuthentication)
		mux.Handle("/bc-authorize", methodNotAllowed("POST"))
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// handleBackchannelAuthentication is POST /bc-authorize, the
// backchannel authentication endpoint (CIBA Core 1.0 §7): the client
// authenticates as at /token, names the user with one hint, and gets an
// auth_req_id (256 bits, stored hashed), its lifetime and the polling
// interval.
func (s *Server) handleBackchannelAuthentication(w http.ResponseWriter, r *http.Request) {
	ca, p, ok := s.clientRequest(w, r, &cibaEndpoint) // endpoint.go
	if !ok {
		return
	}
	if err := s.writable(); err != nil {
		s.fail(w, r, err)
		return
	}
	start := time.Now()
	resp, err := s.startCIBA(r.Context(), ca.client, p)
	if err == nil || errors.Is(err, errUnknownUser) {
		s.cibaFloor(r.Context(), start)
	}
	if err != nil {
		s.record(r.Context(), audit.Event{Type: audit.BackchannelRequested, Outcome: audit.Failure,
			Actor: ca.client.ID, ClientID: ca.client.ID, Reason: publicError(err).Code})
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// DefaultCIBAAnswerFloor is CIBAConfig.AnswerFloor's default.
const DefaultCIBAAnswerFloor = 50 * time.Millisecond

// cibaFloor waits until AnswerFloor has passed since start: whether the
// hint named a user is then not told by the answer's time beyond that
// bound (the answer itself says unknown_user_id, as CIBA Core 1.0 §13
// requires, to the authenticated client only).
func (s *Server) cibaFloor(ctx context.Context, start time.Time) {
	floor := orDefault(s.cfg.CIBA.AnswerFloor, DefaultCIBAAnswerFloor)
	if s.cfg.CIBA.AnswerFloor < 0 {
		return
	}
	t := time.NewTimer(time.Until(start.Add(floor)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// startCIBA validates the request (ciba_validate.go), stores it and
// calls the authentication channel.
func (s *Server) startCIBA(ctx context.Context, c authcore.Client, p params) (map[string]any, error) {
	req, err := s.parseCIBA(ctx, c, p)
	if err != nil {
		return nil, err
	}
	now := s.now()
	req.CreatedAt, req.ExpiresAt = now, now.Add(req.lifetime)
	id, seed, err := s.newAuthReqID(c, req.ExpiresAt)
	if err != nil {
		return nil, internal(err)
	}
	rec := authcore.BackchannelRequest{Hash: hashToken(id), ClientID: c.ID, UserID: req.user.ID,
		Scopes: req.scopes, ACRValues: req.acr, BindingMessage: req.binding, NotificationToken: req.notifyToken,
		PingSeed: seed, Status: authcore.DevicePending, Interval: orDefault(s.cfg.CIBA.Interval, DefaultCIBAInterval),
		ExpiresAt: req.ExpiresAt, CreatedAt: now}
	if err := s.store.CreateBackchannelRequest(ctx, rec); err != nil {
		return nil, unavailable(err)
	}
	s.record(ctx, audit.Event{Type: audit.BackchannelRequested, Outcome: audit.Success, Actor: c.ID,
		Subject: rec.UserID, ClientID: c.ID, Details: map[string]any{"request": rec.Hash,
			"scope": strings.Join(rec.Scopes, " "), "mode": c.BackchannelTokenDeliveryMode}})
	s.callChannel(ctx, c, req.user, rec) // ciba_notify.go
	return map[string]any{
		"auth_req_id": id,
		"expires_in":  int64(req.lifetime / time.Second),
		"interval":    int64(rec.Interval / time.Second),
	}, nil
}

// newAuthReqID draws an auth_req_id carrying its expiry (so a poll after
// the record is collected is told expired_token). In ping mode it is
// derived from a random seed under the server's key, and the seed is
// returned to be stored: the ping must name the auth_req_id (CIBA Core
// 1.0 §10.2), which is never stored itself.
func (s *Server) newAuthReqID(c authcore.Client, exp time.Time) (id, seed string, err error) {
	suffix := "." + strconv.FormatInt(exp.Unix(), 36)
	if c.BackchannelTokenDeliveryMode != authcore.CIBAPing {
		random, err := s.randomToken(authReqIDBytes)
		return random + suffix, "", err
	}
	if seed, err = s.randomToken(cibaPingSeedBytes); err != nil {
		return "", "", err
	}
	return s.pingAuthReqID(seed, exp), seed, nil
}

// pingAuthReqID is the auth_req_id of a ping-mode request:
// HMAC-SHA256(pepper, tag|seed), with the expiry.
func (s *Server) pingAuthReqID(seed string, exp time.Time) string {
	return base64.RawURLEncoding.EncodeToString(s.hashSecret(cibaDerivationTag+"|"+seed)) + "." + strconv.FormatInt(exp.Unix(), 36)
}
