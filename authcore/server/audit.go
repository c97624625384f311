package server

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
)

// syncRecorder is an audit log that can wait for an event to be durable.
type syncRecorder interface {
	audit.Recorder
	RecordSync(ctx context.Context, e audit.Event) error
}

// stateChanges are the event types that record a change of security state.
// Their events are written durably before the endpoint answers, so a crash
// never leaves a revocation, rotation or admin change without its record.
// The rest (issuances, logins, denials) go through the log's bounded
// buffer, which applies back-pressure rather than dropping.
var stateChanges = map[audit.Type]bool{
	audit.TokenRevoked: true, audit.RefreshReuse: true, audit.CodeReuse: true,
	audit.ClientCreated: true, audit.ClientUpdated: true, audit.ClientDeleted: true, audit.ClientSecretRotated: true,
	audit.UserCreated: true, audit.UserUpdated: true, audit.AccountLocked: true,
	audit.KeyCreated: true, audit.KeyRotated: true, audit.KeyRevoked: true, audit.KeyRemoved: true,
	audit.ConsentGranted: true, audit.SessionEnded: true, audit.AdminAction: true,
}

// durable routes state-change events through RecordSync.
type durable struct {
	syncRecorder
	log zerolog.Logger
}

// withDurableStateChanges wraps rec when it can record synchronously.
func withDurableStateChanges(rec audit.Recorder, log zerolog.Logger) audit.Recorder {
	if s, ok := rec.(syncRecorder); ok {
		return durable{syncRecorder: s, log: log}
	}
	return rec
}

// Record writes e, waiting for the commit when e records a state change.
func (d durable) Record(ctx context.Context, e audit.Event) {
	if !stateChanges[e.Type] {
		d.syncRecorder.Record(ctx, e)
		return
	}
	if err := d.RecordSync(context.WithoutCancel(ctx), e); err != nil {
		d.log.Error().Err(err).Str("type", string(e.Type)).Msg("server: audit event not written")
	}
}
