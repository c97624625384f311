package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// cursorTimeout bounds one read of the revocation log at a heartbeat.
const cursorTimeout = 5 * time.Second

// catchUp returns what a new stream starts with. A gateway that sends the
// cursor it was last given (Last-Event-ID, the SSE way to resume) gets
// the revocations committed since, when the store still holds them;
// otherwise it gets the full snapshot, with a cursor taken just before
// it (the snapshot then holds everything committed before the cursor).
// delta reports which.
func catchUp(ctx context.Context, src FeedSource, cfg FeedConfig, last string) (revs []authcore.Revocation, cursor string, delta bool, err error) {
	if cfg.Log == nil {
		revs, err = src.Snapshot(ctx)
		return revs, "", false, err
	}
	if last != "" {
		revs, next, err := cfg.Log.RevocationsSince(ctx, last)
		if err == nil {
			return revs, next, true, nil
		}
		if !errors.Is(err, authcore.ErrCursorExpired) {
			cfg.Logger.Warn().Err(err).Msg("gateway: reading the revocations since a gateway's cursor failed; sending the full snapshot")
		}
	}
	if cursor, err = cfg.Log.RevocationCursor(ctx); err != nil {
		cfg.Logger.Warn().Err(err).Msg("gateway: no revocation cursor; the gateway will take a full snapshot when it reconnects")
		cursor = ""
	}
	revs, err = src.Snapshot(ctx)
	return revs, cursor, false, err
}

// writeSynced ends the snapshot or the catch-up: the gateway is in sync,
// and cursor (when not "") is where it resumes from.
func writeSynced(w http.ResponseWriter, cursor string, delta bool) {
	writeID(w, cursor)
	fmt.Fprintf(w, "event: synced\ndata: {\"delta\":%t}\n\n", delta)
}

// advance moves the stream's cursor at a heartbeat: it sends what the log
// holds since cursor (revocations the stream already carried, mostly:
// applying one twice is harmless), then a "cursor" event. Only what was
// read from the store and written to this stream is ever behind the
// cursor sent, so a gateway resuming from it misses nothing, even what
// this node's broadcast has not passed on yet.
func advance(ctx context.Context, w http.ResponseWriter, cfg FeedConfig, cursor string) string {
	if cfg.Log == nil || cursor == "" {
		return cursor
	}
	ctx, cancel := context.WithTimeout(ctx, cursorTimeout)
	defer cancel()
	revs, next, err := cfg.Log.RevocationsSince(ctx, cursor)
	if err != nil {
		if !errors.Is(err, authcore.ErrCursorExpired) && ctx.Err() == nil {
			cfg.Logger.Warn().Err(err).Msg("gateway: advancing a feed cursor failed")
		}
		return cursor // the gateway resumes from the older one (or a snapshot)
	}
	now := cfg.Now()
	for _, rv := range revs {
		if rv.ExpiresAt.After(now) {
			writeRevoked(w, rv)
		}
	}
	writeID(w, next)
	fmt.Fprint(w, "event: cursor\ndata: {}\n\n")
	return next
}

// writeID writes an SSE id field; a cursor holds no line break (it is
// the store's own, or one the gateway sent that parsed as one).
func writeID(w http.ResponseWriter, id string) {
	if id != "" {
		fmt.Fprintf(w, "id: %s\n", id)
	}
}
