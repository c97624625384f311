package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
)

// FeedSource is what the revocation feed serves: the currently revoked,
// unexpired access tokens, and the ones revoked from now on.
type FeedSource interface {
	// Snapshot returns every revocation whose token has not expired.
	Snapshot(ctx context.Context) ([]authcore.Revocation, error)
	// Subscribe returns a channel of new revocations and a cancel func.
	// The source closes the channel if the subscriber falls behind; the
	// feed then ends the stream and the client resynchronises.
	Subscribe() (<-chan authcore.Revocation, func())
}

// FeedConfig configures FeedHandler.
type FeedConfig struct {
	// Authorize checks the bearer credential a gateway presents (the
	// lead wires a shared secret or a client-credentials token check).
	// Required: nil refuses every caller.
	Authorize func(ctx context.Context, credential string) bool
	// Heartbeat is the interval of keep-alive comments (default 15 s);
	// clients treat three missed heartbeats as a lost connection.
	Heartbeat time.Duration
	// Log, when set (a store shared by several nodes: PostgreSQL), lets
	// a gateway that reconnects catch up from the cursor it was last
	// given instead of taking the full snapshot (feed_cursor.go).
	Log    authcore.RevocationLog
	Now    func() time.Time
	Logger zerolog.Logger
}

// DefaultFeedHeartbeat is the feed's keep-alive interval.
const DefaultFeedHeartbeat = 15 * time.Second

// feedEvent is the data of one "revoked" event.
type feedEvent struct {
	JTI string `json:"jti"`
	Exp int64  `json:"exp"`
}

// FeedHandler serves the revocation feed as Server-Sent Events (HTML
// Living Standard §9.2) to callers with a valid bearer credential
// (RFC 6750 §2.1). The stream starts with one "revoked" event per
// revocation in the snapshot, then a "synced" event, then a "revoked"
// event per new revocation, with ": ping" comments as heartbeats.
// Subscribing happens before the snapshot, so nothing revoked in between
// is lost. With FeedConfig.Log, the "synced" event and a "cursor" event
// at each heartbeat carry a cursor as their SSE id; a gateway that
// reconnects with it as Last-Event-ID gets only what was revoked since
// (feed_cursor.go).
func FeedHandler(src FeedSource, cfg FeedConfig) http.Handler {
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultFeedHeartbeat
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if len(r.Header.Values("Authorization")) != 1 || !strings.EqualFold(scheme, "Bearer") || cred == "" ||
			cfg.Authorize == nil || !cfg.Authorize(r.Context(), cred) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="revocation-feed"`) // no error code: RFC 6750 §3.1
			plainDenial(http.StatusUnauthorized, CodeInvalidToken, "feed_credential", "the revocation feed needs a valid bearer credential").write(w, "")
			return
		}
		ch, cancel := src.Subscribe()
		defer cancel()
		snap, cursor, delta, err := catchUp(r.Context(), src, cfg, r.Header.Get("Last-Event-ID"))
		if err != nil {
			cfg.Logger.Error().Err(err).Msg("gateway: revocation snapshot failed")
			plainDenial(http.StatusServiceUnavailable, CodeUnavailable, "feed_snapshot", "the revocation list is unavailable; retry later").write(w, "")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		now := cfg.Now()
		for _, rv := range snap {
			if rv.ExpiresAt.After(now) {
				writeRevoked(w, rv)
			}
		}
		writeSynced(w, cursor, delta)
		if rc.Flush() != nil {
			return
		}
		tick := time.NewTicker(cfg.Heartbeat)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case rv, ok := <-ch:
				if !ok {
					return
				}
				writeRevoked(w, rv)
			case <-tick.C:
				cursor = advance(r.Context(), w, cfg, cursor)
				fmt.Fprint(w, ": ping\n\n")
			}
			if rc.Flush() != nil {
				return
			}
		}
	})
}

func writeRevoked(w http.ResponseWriter, rv authcore.Revocation) {
	b, _ := json.Marshal(feedEvent{JTI: rv.JTI, Exp: rv.ExpiresAt.Unix()})
	fmt.Fprintf(w, "event: revoked\ndata: %s\n\n", b)
}

// Broadcaster is a FeedSource over a snapshot func: the server calls
// Publish after each durable revocation. Slow subscribers are dropped
// (their channel closed) rather than blocking Publish.
type Broadcaster struct {
	snapshot func(ctx context.Context) ([]authcore.Revocation, error)
	mu       sync.Mutex
	subs     map[chan authcore.Revocation]struct{}
	closed   bool
}

// NewBroadcaster returns a Broadcaster whose Snapshot calls snapshot.
func NewBroadcaster(snapshot func(ctx context.Context) ([]authcore.Revocation, error)) *Broadcaster {
	return &Broadcaster{snapshot: snapshot, subs: make(map[chan authcore.Revocation]struct{})}
}

// Snapshot implements FeedSource.
func (b *Broadcaster) Snapshot(ctx context.Context) ([]authcore.Revocation, error) {
	return b.snapshot(ctx)
}

// Subscribe implements FeedSource.
func (b *Broadcaster) Subscribe() (<-chan authcore.Revocation, func()) {
	ch := make(chan authcore.Revocation, 256)
	b.mu.Lock()
	if b.closed {
		close(ch)
	} else {
		b.subs[ch] = struct{}{}
	}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// Publish sends rv to every subscriber.
func (b *Broadcaster) Publish(rv authcore.Revocation) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- rv:
		default:
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// Close ends every subscription and refuses new ones, so the feed's
// streams end (their gateways reconnect, to another node if there is
// one). A server calls it when its shutdown starts: an open stream would
// otherwise hold the shutdown until its deadline.
func (b *Broadcaster) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.Drop()
}

// Drop ends every current subscription (their streams end and their
// gateways reconnect, getting a full snapshot) but keeps accepting new
// ones. A node calls it when it may have missed revocations it should
// have published (it lost track of the other nodes' changes).
func (b *Broadcaster) Drop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		delete(b.subs, ch)
		close(ch)
	}
}
