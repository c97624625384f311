package cli

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/audit/monitor"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/diskguard"
	"github.com/latchkey/latchkey/authcore/server"
)

// state is what a data directory holds open: the store and the audit log,
// with the monitoring fed by the log, behind one disk guard.
type state struct {
	store    authcore.Storage
	audit    *audit.Log
	guard    *diskguard.Guard
	metrics  *monitor.Metrics
	timeline *monitor.Timeline
	alerts   *monitor.Alerts
	mirror   io.Closer // the audit mirror file, if any
	key      []byte    // the data-encryption key (backups are sealed with it)
	stopWard chan struct{}
	// leader reports whether this node holds the background lease
	// (server.Server.Leader once serving, false before): on a shared
	// store it gates audit pruning and alert evaluation (state_lead.go).
	leader atomic.Pointer[func() bool]
}

// storeMarkerFile is the store's marker in the data directory: its
// installation id and record counts, outside Badger's files
// (badger.Options.Marker).
const storeMarkerFile = "store.json"

// auditOptions are the audit log's settings from the command line.
type auditOptions struct {
	retention time.Duration
	mirror    io.Writer
	closer    io.Closer
	// pruneWhen gates retention pruning (audit.Options.PruneWhen).
	pruneWhen func() bool
}

// stateOptions are the command line's settings for opening a data
// directory; the zero value suits the admin commands.
type stateOptions struct {
	audit auditOptions
	// reserve is the free space kept back (--disk-reserve); zero means
	// diskguard.DefaultReserve.
	reserve uint64
	// acceptEmpty opens a store that lost its data (--accept-empty-store).
	acceptEmpty bool
}

// openState opens the store the flags name (Badger in dataDir, or
// PostgreSQL) and dataDir's audit log. A store held by another process is
// reported as badger.ErrLocked, an audit log held by one as errInUse; a
// disk below the reserve, or a data directory that is read-only, is
// refused in one sentence.
func openState(c *common, dataDir string, migrate bool, log zerolog.Logger, so stateOptions) (*state, error) {
	s := &state{stopWard: make(chan struct{})}
	guard, err := diskguard.New(diskguard.Config{Dir: dataDir, Reserve: so.reserve, OnChange: s.storageChanged(log),
		Mapped: []string{filepath.Join(dataDir, "store"), filepath.Join(dataDir, "audit")}})
	if err != nil {
		return nil, err
	}
	if err := guard.Refused(); err != nil {
		return nil, startRefusal(err)
	}
	s.guard = guard
	key, err := c.storeKey(dataDir, log)
	if err != nil {
		return nil, err
	}
	st, err := c.openStore(dataDir, key, migrate, log, badgerExtras{gate: guard, acceptEmpty: so.acceptEmpty})
	if err != nil {
		return nil, err
	}
	ao := so.audit
	if keep, ok := server.SavedAuditRetention(context.Background(), st); ok {
		ao.retention = keep // saved in Settings: it wins over --audit-retention, from the first prune
	}
	shared := isShared(st)
	if shared {
		ao.pruneWhen = s.leads // one node prunes the shared log
	}
	alog, err := c.openAudit(dataDir, key, st, guard, ao, log) // state_audit.go
	if err != nil {
		st.Close()
		return nil, err
	}
	s.store, s.audit, s.mirror, s.key = st, alog, ao.closer, key
	s.metrics = monitor.NewMetrics(monitor.MetricsConfig{AuditStats: alog.Stats})
	registerStorageMetrics(s.metrics.Registry(), guard)
	s.timeline = monitor.NewTimeline(time.Now)
	s.alerts = monitor.NewAlerts(s.alertConfig(alog, log, shared))
	alog.AddObserver(s.metrics)
	alog.AddClusterObserver(s.timeline)               // the Dashboard: every node's events on a shared log
	alog.AddClusterObserver(s.alerts)                 // the leader evaluates every node's events
	if err := s.restoreRevocations(log); err != nil { // state_restore.go
		s.alerts.Close()
		alog.Close()
		st.Close()
		return nil, err
	}
	guard.Check() // allocate ahead in the write-ahead logs Badger just made
	go guard.Run(s.stopWard)
	return s, nil
}

// close stops the alert rules, drains the audit log, then closes the store.
func (s *state) close() error {
	close(s.stopWard)
	s.alerts.Close()
	err := errors.Join(s.audit.Close(), s.store.Close())
	if s.mirror != nil {
		err = errors.Join(err, s.mirror.Close())
	}
	return err
}

// housekeeping reports the server's background work to the metrics and
// the alerts: records collected, clock jumps.
func (s *state) housekeeping() server.Housekeeping {
	hk := monitor.NewHousekeeping(s.metrics.Registry())
	return server.Housekeeping{
		Collected: hk.Collected,
		Leading:   s.audit.PruneNow, // took the lease over: prune the shared log now
		ClockJumped: func(skew time.Duration) {
			hk.ClockJumped(skew)
			s.alerts.ClockJumped(skew)
		},
	}
}
