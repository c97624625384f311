package audit

import (
	"context"
	"time"
)

// Type names what happened. The catalogue below is the documented, fixed
// set; new types are added here, never invented at call sites.
type Type string

// The event catalogue.
const (
	LoginSucceeded      Type = "login.succeeded"
	LoginFailed         Type = "login.failed"
	AccountLocked       Type = "account.locked"
	TokenIssued         Type = "token.issued"
	TokenRefreshed      Type = "token.refreshed"
	TokenRevoked        Type = "token.revoked"
	TokenIntrospected   Type = "token.introspected"
	TokenDenied         Type = "token.denied"
	RefreshReuse        Type = "refresh.reuse_detected"
	CodeIssued          Type = "code.issued"
	CodeReuse           Type = "code.reuse_detected"
	AuthorizeDenied     Type = "authorize.denied"
	ClientCreated       Type = "client.created"
	ClientUpdated       Type = "client.updated"
	ClientDeleted       Type = "client.deleted"
	ClientSecretRotated Type = "client.secret_rotated"
	ClientAuthFailed    Type = "client.auth_failed"
	UserCreated         Type = "user.created"
	UserUpdated         Type = "user.updated"
	KeyCreated          Type = "key.created"
	KeyRotated          Type = "key.rotated"
	KeyRevoked          Type = "key.revoked"
	KeyRemoved          Type = "key.removed"
	ConsentGranted      Type = "consent.granted"
	ConsentDenied       Type = "consent.denied"
	SessionEnded        Type = "session.ended"
	AdminAction         Type = "admin.action"
	GatewayDenied       Type = "gateway.denied"
	RateLimitHit        Type = "ratelimit.hit"
	ServerStarted       Type = "server.started"

	// TokenExchanged is an RFC 8693 token exchange at /token.
	TokenExchanged Type = "token.exchanged"
	// FederatedTokenRefused is an external ID token refused at /token
	// (token exchange, JWT bearer) or at the brokered-login callback;
	// Reason says why (authcore/federation).
	FederatedTokenRefused Type = "federation.token_refused"
	// LogoutBackchannel is one back-channel logout delivery to a client
	// (OIDC Back-Channel Logout 1.0), successful or given up.
	LogoutBackchannel Type = "logout.backchannel_delivered"
	// LogoutRequested is an RP-initiated logout at end_session_endpoint
	// (OIDC RP-Initiated Logout 1.0).
	LogoutRequested Type = "logout.requested"

	// RevocationsRestored is recorded at start when revocations this log
	// holds were missing from the store (a damaged write-ahead log) and
	// were applied again; details.access_tokens and details.grants count
	// them.
	RevocationsRestored Type = "revocation.restored"

	// MFAEnrolled is a second factor added to a user (details.kind,
	// details.factor); MFARemoved one removed or reset (Actor is who).
	MFAEnrolled Type = "mfa.enrolled"
	MFARemoved  Type = "mfa.removed"
	// MFASucceeded and MFAFailed are each second-factor check at sign-in
	// (details.kind); a failure counts toward the account lockout and the
	// brute-force alert.
	MFASucceeded Type = "mfa.succeeded"
	MFAFailed    Type = "mfa.failed"
	// RecoveryCodeUsed is a recovery code spent at sign-in
	// (details.remaining); RecoveryCodesGenerated a new set issued.
	RecoveryCodeUsed       Type = "mfa.recovery_code_used"
	RecoveryCodesGenerated Type = "mfa.recovery_codes_generated"
	// StepUp is a signed-in user asked for a stronger sign-in than their
	// session has (details.acr: the one required).
	StepUp Type = "mfa.step_up"

	// PasskeyRegistered and PasskeyRemoved are a user adding or removing
	// a passkey (WebAuthn credential) on the account page;
	// details.passkey is the credential ID, never key material.
	PasskeyRegistered Type = "passkey.registered"
	PasskeyRemoved    Type = "passkey.removed"
	// PasskeyUsed is a verified passkey assertion (details.purpose:
	// "passwordless" or "second-factor"); PasskeyFailed a refused one,
	// Reason says why.
	PasskeyUsed   Type = "passkey.used"
	PasskeyFailed Type = "passkey.failed"
	// PasskeyCloneSuspected is an assertion whose signature counter did
	// not advance (WebAuthn §6.1.1): two copies of the key may exist. The
	// sign-in is refused.
	PasskeyCloneSuspected Type = "passkey.clone_suspected"

	// BackchannelRequested is a CIBA authentication request accepted at
	// /bc-authorize (details.request: the request's hash, scope);
	// BackchannelNotified one ping to a client's notification endpoint or
	// one call of the authentication-channel webhook (details.target:
	// "ping" or "channel"), successful or given up.
	BackchannelRequested Type = "ciba.requested"
	BackchannelNotified  Type = "ciba.notified"

	// AlertRaised is recorded by the monitoring rules when one of them
	// fires (brute force, token reuse, invalid_client spike, key age).
	AlertRaised Type = "alert.raised"

	// StreamDropped is never stored: it is the last value a live-stream
	// subscriber receives when it fell too far behind and was dropped
	// from the stream (the log itself lost nothing).
	StreamDropped Type = "stream.dropped"
)

// Outcome is success or failure.
type Outcome string

// Outcomes.
const (
	Success Outcome = "success"
	Failure Outcome = "failure"
)

// Event is one security-relevant step. Fields are empty when they do not
// apply. Details must never hold a secret.
type Event struct {
	Time      time.Time `json:"time"`
	Type      Type      `json:"type"`
	Outcome   Outcome   `json:"outcome"`
	Actor     string    `json:"actor,omitempty"`   // user, client or admin who acted
	Subject   string    `json:"subject,omitempty"` // user the event is about
	ClientID  string    `json:"client_id,omitempty"`
	KeyID     string    `json:"key_id,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	RemoteIP  string    `json:"remote_addr,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	// Node is the id of the node that recorded the event (Options.NodeID),
	// set by the Log: one hash chain per node on PostgreSQL.
	Node    string         `json:"node,omitempty"`
	Details map[string]any `json:"details,omitempty"`
}

// Recorder receives events. Record must be safe for concurrent use and
// must not block the caller for long.
type Recorder interface {
	Record(ctx context.Context, e Event)
}

// Discard is a Recorder that drops every event (for tests that do not
// look at events).
var Discard Recorder = discard{}

type discard struct{}

func (discard) Record(context.Context, Event) {}
