package audit

import (
	"context"
	"time"
)

// followEvery is how often a node of a shared log reads the events the
// other nodes recorded, for its cluster observers.
const followEvery = 2 * time.Second

// otherNodes is a Backend that other nodes record into (PostgreSQL):
// others returns the events they committed since the last call, oldest
// first.
type otherNodes interface {
	others(ctx context.Context, f *followState) ([]Event, error)
}

// AddClusterObserver registers o to be told about every event committed
// from now on by this node (as AddObserver) and, on a log several nodes
// share (PostgreSQL), by the other nodes too, within a few seconds of
// their commit, on a goroutine of its own: the console's Dashboard shows
// the cluster's activity this way. Per-node figures (/metrics) use
// AddObserver.
func (l *Log) AddClusterObserver(o Observer) {
	l.AddObserver(o)
	on, ok := l.b.(otherNodes)
	if !ok {
		return
	}
	l.obsMu.Lock()
	l.cluster = append(l.cluster, o)
	start := len(l.cluster) == 1
	l.obsMu.Unlock()
	if start {
		// The first read only takes the position: take it before
		// returning, not a tick later, or what the other nodes commit in
		// between (a guesser who starts at once) reaches no observer. A
		// failure here is retried at the first tick.
		st := &followState{}
		ctx, cancel := context.WithTimeout(context.Background(), followEvery)
		if _, err := on.others(ctx, st); err != nil {
			l.log.Warn().Err(err).Msg("audit: reading the other nodes' position failed")
		}
		cancel()
		l.followWG.Add(1)
		go l.follow(on, st)
	}
}

// follow feeds the cluster observers from st until Close.
func (l *Log) follow(on otherNodes, st *followState) {
	defer l.followWG.Done()
	t := time.NewTicker(followEvery)
	defer t.Stop()
	for {
		select {
		case <-l.stopMaint:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), followEvery)
		es, err := on.others(ctx, st)
		cancel()
		if err != nil {
			l.log.Warn().Err(err).Msg("audit: reading the other nodes' events failed")
			continue
		}
		l.obsMu.RLock()
		obs := l.cluster
		l.obsMu.RUnlock()
		for _, e := range es {
			for _, o := range obs {
				l.observe(o, e)
			}
		}
	}
}

// followState is where follow stands: on PostgreSQL, the seq up to which
// each other node's events were delivered.
type followState struct {
	started bool
	nodes   map[string]uint64
}
