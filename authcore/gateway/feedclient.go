package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// revocationMargin keeps a revocation past its token's exp, beyond any
// leeway the gateway allows on exp.
const revocationMargin = 5 * time.Minute

// FeedClientConfig configures a FeedClient; every field has a default.
type FeedClientConfig struct {
	// Client makes the streaming request; nil means one with the shared
	// transport and no overall timeout (the idle timeout bounds it).
	Client *http.Client
	// MinBackoff and MaxBackoff bound the reconnect delay, which doubles
	// per failed attempt (defaults 100 ms and 30 s).
	MinBackoff, MaxBackoff time.Duration
	// IdleTimeout drops a connection that sent nothing, not even a
	// heartbeat, for this long (default three feed heartbeats, 45 s).
	IdleTimeout time.Duration
	// Alternates are the feeds of the other nodes of the same cluster.
	// After a connection fails the client tries the next URL in turn
	// (the first again after the last), and each new connection starts
	// with what the client missed (since its cursor, when the feed gave
	// one and still holds what followed it; else the full snapshot), so
	// it is caught up before it reports itself in sync.
	Alternates []string
	Now        func() time.Time
	Logger     zerolog.Logger
}

// FeedClient follows the server's revocation feed (FeedHandler) and keeps
// the revoked jtis in memory until they expire. It is the standalone
// gateway's Revocations: while it is not connected and in sync, a jti it
// does not know is answered with ErrFeedDisconnected, and routes fail
// closed or open as configured.
type FeedClient struct {
	urls       []string
	credential string
	cfg        FeedClientConfig
	current    atomic.Int64 // index in urls of the feed followed or tried now

	mu        sync.RWMutex
	revoked   map[string]time.Time
	lastPrune time.Time
	connected atomic.Bool
	// cursor is where the client resumes from after a reconnection (the
	// SSE id of the last "synced" or "cursor" event): the feed then sends
	// only what was revoked since. Only the run goroutine uses it.
	cursor string

	stop context.CancelFunc
	done chan struct{}
}

// NewFeedClient returns a client of the feed at url (then
// cfg.Alternates, in turn, after failures) that authenticates with
// credential (a bearer value). Call Start to connect.
func NewFeedClient(url, credential string, cfg FeedClientConfig) *FeedClient {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Transport: newTransport()}
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 3 * DefaultFeedHeartbeat
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	urls := append([]string{url}, cfg.Alternates...)
	return &FeedClient{urls: urls, credential: credential, cfg: cfg, revoked: make(map[string]time.Time)}
}

// Start connects in the background and keeps reconnecting until ctx ends
// or Close is called.
func (c *FeedClient) Start(ctx context.Context) {
	ctx, c.stop = context.WithCancel(ctx)
	c.done = make(chan struct{})
	go c.run(ctx)
}

// Close stops the client and waits for it.
func (c *FeedClient) Close() {
	if c.stop != nil {
		c.stop()
		<-c.done
	}
}

// Connected reports whether the client is connected and has received the
// full snapshot.
func (c *FeedClient) Connected() bool { return c.connected.Load() }

// Following returns the URL of the feed the client follows (or is trying
// to reach now).
func (c *FeedClient) Following() string { return c.urls[c.current.Load()] }

// IsRevoked implements Revocations. A known revocation is reported even
// while disconnected.
func (c *FeedClient) IsRevoked(_ context.Context, jti string) (bool, error) {
	c.mu.RLock()
	exp, ok := c.revoked[jti]
	c.mu.RUnlock()
	if ok && c.cfg.Now().Before(exp.Add(revocationMargin)) {
		return true, nil
	}
	if !c.connected.Load() {
		return false, ErrFeedDisconnected
	}
	return false, nil
}

func (c *FeedClient) run(ctx context.Context) {
	defer close(c.done)
	backoff := c.cfg.MinBackoff
	for {
		synced, err := c.stream(ctx)
		c.connected.Store(false)
		if ctx.Err() != nil {
			return
		}
		if synced {
			backoff = c.cfg.MinBackoff
		}
		c.cfg.Logger.Warn().Err(err).Str("feed", c.Following()).Dur("retry_in", backoff).Msg("gateway: revocation feed disconnected")
		c.current.Store((c.current.Load() + 1) % int64(len(c.urls)))
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, c.cfg.MaxBackoff)
	}
}

// stream holds one connection until it fails; synced reports whether it
// got as far as the end of the snapshot.
func (c *FeedClient) stream(ctx context.Context) (synced bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Following(), nil)
	if err != nil {
		return false, fmt.Errorf("gateway: feed request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.credential)
	req.Header.Set("Accept", "text/event-stream")
	if c.cursor != "" {
		req.Header.Set("Last-Event-ID", c.cursor)
	}
	idle := time.AfterFunc(c.cfg.IdleTimeout, cancel)
	defer idle.Stop()
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		return false, fmt.Errorf("gateway: feed: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("gateway: feed: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 4096), 64<<10)
	var event, data, id string
	for sc.Scan() {
		idle.Reset(c.cfg.IdleTimeout)
		line := sc.Text()
		switch {
		case line == "":
			switch event {
			case "synced":
				synced = true
				c.prune()
				c.connected.Store(true)
				c.cursor = id // everything before it is applied
			case "cursor":
				if synced {
					c.cursor = id
				}
			case "revoked":
				c.add(data)
			}
			event, data, id = "", "", ""
		case strings.HasPrefix(line, ":"):
			c.prune()
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "id:"):
			id = strings.TrimSpace(strings.TrimPrefix(line, "id:"))
		case strings.HasPrefix(line, "data:"):
			data = strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		}
	}
	if err := sc.Err(); err != nil {
		return synced, fmt.Errorf("gateway: feed: %w", err)
	}
	return synced, errors.New("gateway: feed: stream ended")
}

func (c *FeedClient) add(data string) {
	var ev feedEvent
	if err := json.Unmarshal([]byte(data), &ev); err != nil || ev.JTI == "" {
		return
	}
	c.mu.Lock()
	c.revoked[ev.JTI] = time.Unix(ev.Exp, 0)
	c.mu.Unlock()
}

// prune drops revocations of expired tokens, at most once a minute.
func (c *FeedClient) prune() {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.lastPrune) < time.Minute {
		return
	}
	c.lastPrune = now
	for jti, exp := range c.revoked {
		if !now.Before(exp.Add(revocationMargin)) {
			delete(c.revoked, jti)
		}
	}
}
