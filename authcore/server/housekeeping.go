package server

import (
	"context"
	"time"
)

// Housekeeping receives what the server's background work did; nil
// fields discard it.
type Housekeeping struct {
	// Collected is called after each garbage collection with the number
	// of expired records it removed (zero included) and its error.
	Collected func(removed int, err error)
	// ClockJumped is called when the wall clock moves more than
	// ClockJumpLimit away from where a clock that never jumps says it
	// should be; skew is wall minus expected (negative: it went back).
	ClockJumped func(skew time.Duration)
	// Leading is called when this node takes the background lease (at
	// start, or over from a node that died or stopped), from the
	// goroutine that renews it: work gated by Server.Leader that waits for
	// its own timer (audit retention pruning) starts at once. It must not
	// block.
	Leading func()
}

// ClockJumpLimit is how far the wall clock may drift from the monotonic
// clock between two checks before the server logs and reports a jump.
const ClockJumpLimit = time.Minute

const (
	defaultGCInterval = 10 * time.Minute
	clockCheckEvery   = 15 * time.Second
)

// clockWatch compares the wall clock with the time the server started
// advanced by a monotonic clock. Only the Run goroutine (or a test
// calling Housekeep) uses it.
type clockWatch struct {
	wall     func() time.Time
	elapsed  func() time.Duration
	start    time.Time
	reported time.Duration // the skew last reported
}

func newClockWatch(wall func() time.Time, elapsed func() time.Duration) *clockWatch {
	c := &clockWatch{wall: wall, elapsed: elapsed, start: wall()}
	if c.elapsed == nil {
		mono := time.Now() // carries Go's monotonic reading
		c.elapsed = func() time.Duration { return time.Since(mono) }
	}
	return c
}

// read returns the time expired records are judged by, the earlier of
// the wall clock and the monotonic expectation, and the wall clock's skew
// from that expectation. A wall clock that jumped ahead therefore never
// makes the collector delete what is still in force (a revocation whose
// token is valid again when the clock comes back); one that went back
// only makes it delete later.
func (c *clockWatch) read() (collectAt time.Time, skew time.Duration) {
	wall, expected := c.wall(), c.start.Add(c.elapsed())
	skew = wall.Sub(expected)
	if skew > 0 {
		return expected, skew
	}
	return wall, skew
}

// jumped reports the skew when it moved more than ClockJumpLimit since
// the last report.
func (c *clockWatch) jumped() (time.Duration, bool) {
	_, skew := c.read()
	if d := skew - c.reported; d > ClockJumpLimit || d < -ClockJumpLimit {
		c.reported = skew
		return skew, true
	}
	return skew, false
}

// Housekeep runs one round of the background work Run repeats: it checks
// the clock, then collects expired records judged by the clock watch's
// time. Tests call it to run a round at a moment they choose.
func (s *Server) Housekeep(ctx context.Context) {
	s.checkClock()
	at, _ := s.clock.read()
	n, err := s.Store.GarbageCollect(ctx, at)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Warn().Err(err).Int("removed", n).Msg("server: garbage collection failed")
	case n > 0:
		s.log.Info().Int("removed", n).Msg("server: expired records removed")
	}
	if s.housekeeping.Collected != nil && ctx.Err() == nil {
		s.housekeeping.Collected(n, err)
	}
}

// checkClock logs and reports a clock jump.
func (s *Server) checkClock() {
	skew, jumped := s.clock.jumped()
	if !jumped {
		return
	}
	s.log.Error().Dur("skew", skew).
		Msgf("server: the system clock jumped %s from the monotonic clock; tokens are judged by the wall clock, expired records by the earlier of the two", skew.Round(time.Second))
	if s.housekeeping.ClockJumped != nil {
		s.housekeeping.ClockJumped(skew)
	}
}

// Run runs the background work until ctx ends. Every node follows the
// other nodes' changes (followChanges) and the keyset version
// (keys.Manager.Follow, which alone suffices for the keys), checks its
// clock and records heartbeats;
// the node holding the background lease (Lease, renewed every LeaseTTL/3)
// also runs the key lifecycle timer and collects expired records (a first
// round once it holds the lease, then every GCInterval). At the end the
// lease is handed back.
func (s *Server) Run(ctx context.Context) {
	go s.followChanges(ctx) // the other nodes' changes, cluster.go
	go s.Keys.Follow(ctx, 0)
	go s.heartbeats(ctx)
	defer s.releaseLease()
	if s.Lease(ctx) {
		s.Housekeep(ctx)
	}
	lease := time.NewTicker(leaseRenew)
	defer lease.Stop()
	gc := time.NewTicker(s.gcInterval)
	defer gc.Stop()
	keyTick := time.NewTicker(time.Minute)
	defer keyTick.Stop()
	clk := time.NewTicker(clockCheckEvery)
	defer clk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-lease.C:
			if was := s.Leader(); s.Lease(ctx) && !was {
				s.Housekeep(ctx) // took over from a node that died
			}
		case <-clk.C:
			s.checkClock()
		case <-gc.C:
			if s.Leader() {
				s.Housekeep(ctx)
			}
		case <-keyTick.C:
			if s.Leader() {
				if err := s.Keys.Tick(ctx); err != nil && ctx.Err() == nil {
					s.log.Error().Err(err).Msg("keys: lifecycle tick failed")
				}
			}
		}
	}
}
