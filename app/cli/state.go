package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/audit/monitor"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/server"
)

// state is what a data directory holds open: the store and the audit log,
// with the monitoring fed by the log.
type state struct {
	store    authcore.Storage
	audit    *audit.Log
	metrics  *monitor.Metrics
	timeline *monitor.Timeline
	alerts   *monitor.Alerts
	mirror   io.Closer // the audit mirror file, if any
}

// openState opens the store the flags name (Badger in dataDir, or
// PostgreSQL) and dataDir's audit log. A store held by another process is
// reported as badger.ErrLocked, an audit log held by one as errInUse.
// auditOptions are the audit log's settings from the command line.
type auditOptions struct {
	retention time.Duration
	mirror    io.Writer
	closer    io.Closer
}

func openState(c *common, dataDir string, migrate bool, log zerolog.Logger, ao auditOptions) (*state, error) {
	key, err := c.storeKey(dataDir, log)
	if err != nil {
		return nil, err
	}
	st, err := c.openStore(dataDir, key, migrate, log)
	if err != nil {
		return nil, err
	}
	if keep, ok := server.SavedAuditRetention(context.Background(), st); ok {
		ao.retention = keep // saved in Settings: it wins over --audit-retention, from the first prune
	}
	alog, err := audit.Open(audit.Options{Dir: filepath.Join(dataDir, "audit"), Logger: &log, EncryptionKey: key,
		Retention: ao.retention, Mirror: ao.mirror})
	if err != nil {
		st.Close()
		if strings.Contains(err.Error(), badgerLockText) {
			return nil, fmt.Errorf("audit log in %s: %w", dataDir, errInUse)
		}
		return nil, fmt.Errorf("audit log: %w", err)
	}
	s := &state{store: st, audit: alog, mirror: ao.closer}
	s.metrics = monitor.NewMetrics(monitor.MetricsConfig{AuditStats: alog.Stats})
	s.timeline = monitor.NewTimeline(time.Now)
	s.alerts = monitor.NewAlerts(monitor.AlertConfig{Recorder: alog, Logger: &log})
	alog.AddObserver(s.metrics)
	alog.AddObserver(s.timeline)
	alog.AddObserver(s.alerts)
	return s, nil
}

// close stops the alert rules, drains the audit log, then closes the store.
func (s *state) close() error {
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
		ClockJumped: func(skew time.Duration) {
			hk.ClockJumped(skew)
			s.alerts.ClockJumped(skew)
		},
	}
}
