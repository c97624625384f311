package cli

import (
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/audit/monitor"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/postgres"
)

// isShared reports whether st is a store several nodes share
// (PostgreSQL): the audit log is then one log for the cluster, pruned by
// one node, and the alerts are raised by one node.
func isShared(st authcore.Storage) bool {
	_, ok := st.(*postgres.Store)
	return ok
}

// lead makes leader (server.Server.Leader) decide which node prunes the
// shared audit log and raises the alerts.
func (s *state) lead(leader func() bool) { s.leader.Store(&leader) }

// leads reports whether this node holds the background lease; false
// until lead is called (an admin command never prunes a shared log).
func (s *state) leads() bool {
	if f := s.leader.Load(); f != nil {
		return (*f)()
	}
	return false
}

// alertConfig configures the alert rules: on a shared store, every
// node counts the cluster's events and the leader alone raises alerts.
func (s *state) alertConfig(alog *audit.Log, log zerolog.Logger, shared bool) monitor.AlertConfig {
	cfg := monitor.AlertConfig{Recorder: alog, Logger: &log}
	if shared {
		cfg.Leader, cfg.Node = s.leads, alog.NodeID()
	}
	return cfg
}
