package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"

	"github.com/latchkey/latchkey/authcore"
)

var _ authcore.ChangeFeed = (*Store)(nil)

// WatchChanges implements authcore.ChangeFeed. It LISTENs on
// changesChannel on a connection of its own (pgxlisten reconnects it
// after a second) and reads the change log by cursor on each
// notification, on each reconnection (what was missed while the
// connection was down) and every changesPoll in any case. Its first call
// of fn is a resync, so the caller reloads what changed between loading
// its state and the start of the watch. When reads fail for longer than
// changesResync (the database or the network was down), the next
// successful read starts a fresh cursor with a resync, since the
// collector may have removed rows the old cursor would have needed.
//
// While it runs, GetClient serves from the node's client cache, which
// each batch updates before fn sees it (clientcache.go).
func (s *Store) WatchChanges(ctx context.Context, fn func([]authcore.Change, bool)) error {
	defer s.clients.watch()()
	wake := make(chan struct{}, 1)
	poke := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	var lastLogged time.Time // pgxlisten retries every second: log once a minute
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			return pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
		},
		ReconnectDelay: time.Second,
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil && time.Since(lastLogged) > time.Minute {
				lastLogged = time.Now()
				s.log.Warn().Err(err).Msg("postgres: change notifications interrupted; reading the change log every " + changesPoll.String())
			}
		},
	}
	l.Handle(changesChannel, wakeHandler(poke))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = l.Listen(ctx) }()
	defer wg.Wait()

	tick := time.NewTicker(changesPoll)
	defer tick.Stop()
	var cur *changeCursor
	failing := false
	for {
		batch, resync, err := s.nextChanges(ctx, &cur)
		for retry := 0; retry < 3 && err != nil && ctx.Err() == nil; retry++ {
			// The pool drops a connection the database cut only when a
			// read fails on it: after a restart, go through them now
			// rather than one per poll.
			batch, resync, err = s.nextChanges(ctx, &cur)
		}
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			failing = true
			s.log.Warn().Err(err).Msg("postgres: reading the change log failed; retrying")
		case err == nil:
			if failing {
				s.log.Info().Msg("postgres: reading the change log again")
			}
			failing = false
			if resync || len(batch) > 0 {
				s.clients.apply(batch, resync)
				fn(batch, resync)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-tick.C:
		}
	}
}

// nextChanges reads the next batch for *cur, starting a new cursor (and
// reporting a resync) when there is none or it went stale.
func (s *Store) nextChanges(ctx context.Context, cur **changeCursor) ([]authcore.Change, bool, error) {
	if *cur == nil || time.Since((*cur).read) > changesResync {
		c, err := s.newChangeCursor(ctx)
		if err != nil {
			return nil, false, err
		}
		*cur = c
		return nil, true, nil
	}
	batch, err := s.readChanges(ctx, *cur)
	return batch, false, err
}

// wakeHandler turns notifications, and the start of each LISTEN
// connection (pgxlisten's backlog hook), into a read of the change log.
type wakeHandler func()

func (h wakeHandler) HandleNotification(context.Context, *pgconn.Notification, *pgx.Conn) error {
	h()
	return nil
}

func (h wakeHandler) HandleBacklog(context.Context, string, *pgx.Conn) error {
	h()
	return nil
}
