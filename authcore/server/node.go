package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync/atomic"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// Timing of the work nodes sharing a store do to know each other.
const (
	// HeartbeatInterval is how often a node records that it is alive.
	HeartbeatInterval = 5 * time.Second
	// LeaseTTL is how long the background lease lasts unless renewed:
	// when its holder dies, another node takes the work over within it.
	LeaseTTL = 15 * time.Second
	// leaseRenew is how often the lease is taken or renewed.
	leaseRenew = LeaseTTL / 3
	// backgroundLease names the lease of the background work.
	backgroundLease = "background"
)

// cluster is what a Server knows of itself as a node.
type cluster struct {
	node authcore.Node
	// holder names this process in the lease: the node id and a random
	// suffix, so two processes given one node id (or sharing a host
	// name) never both hold the lease.
	holder   string
	leader   atomic.Bool // holds the background lease
	draining atomic.Bool // Drain was called
	notReady atomic.Bool // the last readiness check failed (logged once)
}

// newCluster fills the node's identity: cfg.NodeID, or the host name.
func newCluster(cfg Config) *cluster {
	id := cfg.NodeID
	if id == "" {
		id = DefaultNodeID()
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &cluster{node: authcore.Node{ID: id, Version: cfg.NodeVersion, Address: cfg.NodeAddress, StartedAt: cfg.Now().UTC()},
		holder: id + "/" + hex.EncodeToString(b[:])}
}

// DefaultNodeID is the node id when none is configured: the host name,
// stable across restarts ("latchkey" if the system has none).
func DefaultNodeID() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "latchkey"
}

// Node returns this node's identity (NodeID, version, address, start).
func (s *Server) Node() authcore.Node { return s.cluster.node }

// Leader reports whether this node holds the background lease, and so
// runs the work that must run once per cluster (garbage collection, the
// signing-key lifecycle timer, audit pruning, alert evaluation).
func (s *Server) Leader() bool { return s.cluster.leader.Load() }

// Lease takes or renews the background lease and reports whether this
// node holds it. Run calls it every LeaseTTL/3; a node that stops
// renewing loses the lease LeaseTTL after its last renewal.
func (s *Server) Lease(ctx context.Context) bool {
	ok, err := s.Store.AcquireLease(ctx, backgroundLease, s.cluster.holder, s.now(), LeaseTTL)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn().Err(err).Msg("server: cannot renew the background lease; leaving the background work to other nodes")
		}
		ok = false
	}
	if was := s.cluster.leader.Swap(ok); was != ok {
		s.log.Info().Bool("leader", ok).Msg("server: background work lease changed hands")
		if ok && s.housekeeping.Leading != nil {
			s.housekeeping.Leading()
		}
	}
	return ok
}

// releaseLease hands the lease back at shutdown, so another node takes
// the work over at once instead of after LeaseTTL.
func (s *Server) releaseLease() {
	if !s.cluster.leader.Swap(false) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.Store.ReleaseLease(ctx, backgroundLease, s.cluster.holder); err != nil {
		s.log.Warn().Err(err).Msg("server: releasing the background lease; another node takes over when it expires")
	}
}

// Heartbeat records that this node is alive now.
func (s *Server) Heartbeat(ctx context.Context) error {
	n := s.cluster.node
	n.LastSeen = s.now().UTC()
	return s.Store.Heartbeat(ctx, n)
}

// Nodes lists the nodes whose last heartbeat is at most three heartbeat
// intervals old: the live members of the cluster, this one included.
func (s *Server) Nodes(ctx context.Context) ([]authcore.Node, error) {
	return s.Store.ListNodes(ctx, s.now().Add(-3*HeartbeatInterval))
}

// heartbeats records a heartbeat every HeartbeatInterval until ctx ends.
func (s *Server) heartbeats(ctx context.Context) {
	t := time.NewTicker(HeartbeatInterval)
	defer t.Stop()
	for {
		if err := s.Heartbeat(ctx); err != nil && ctx.Err() == nil {
			s.log.Debug().Err(err).Msg("server: heartbeat failed")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
