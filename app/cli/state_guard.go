package cli

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit/monitor"
	"github.com/latchkey/latchkey/authcore/diskguard"
)

// storageChanged logs, and raises on the Dashboard, every change of the
// disk guard's state: writes refused (and why), writes resumed.
func (s *state) storageChanged(log zerolog.Logger) func(*diskguard.Error) {
	return func(e *diskguard.Error) {
		if s.alerts == nil {
			return // the first check, before anything is open
		}
		if e == nil {
			msg := fmt.Sprintf("writes resumed: %s free in %s", diskguard.MB(s.guard.Free()), s.guard.Dir())
			log.Warn().Uint64("free_mb", s.guard.Free()>>20).Msg(msg)
			s.alerts.Raise(monitor.RuleStorage, s.guard.Dir(), msg)
			return
		}
		msg := e.Error() + "; writes are refused (503) until it is fixed, reads and token checks go on"
		log.Error().Str("data", e.Dir).Str("problem", string(e.Problem)).Uint64("free_mb", e.Free>>20).Msg(msg)
		s.alerts.Raise(monitor.RuleStorage, e.Dir, msg)
	}
}

// startRefusal is the one sentence a start on a full, missing or
// read-only data directory ends with.
func startRefusal(err error) error {
	var e *diskguard.Error
	if !errors.As(err, &e) {
		return err
	}
	msg := fmt.Sprintf("not starting: the data directory %s cannot be read", e.Dir)
	switch e.Problem {
	case diskguard.DiskFull:
		msg = fmt.Sprintf("not starting: the disk holding %s has %s free, not more than the reserve of %s (--disk-reserve); free some space and start again",
			e.Dir, diskguard.MB(e.Free), diskguard.MB(e.Reserve))
	case diskguard.ReadOnly:
		msg = fmt.Sprintf("not starting: the data directory %s is on a read-only file system", e.Dir)
	}
	return &refusal{msg: msg, cause: e}
}

// refusal is startRefusal's sentence; it unwraps to the *diskguard.Error.
type refusal struct {
	msg   string
	cause error
}

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return r.cause }

// registerStorageMetrics exports the guard's view of the data directory.
func registerStorageMetrics(reg *prometheus.Registry, g *diskguard.Guard) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "latchkey_storage_writable",
			Help: "1 while the data directory accepts writes, 0 while they are refused (disk almost full, missing, read-only)."},
			func() float64 {
				if g.Refused() != nil {
					return 0
				}
				return 1
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "latchkey_disk_free_bytes",
			Help: "Free space on the data directory's disk at the last check."},
			func() float64 { return float64(g.Free()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "latchkey_disk_reserve_bytes",
			Help: "Free space below which writes are refused (--disk-reserve)."},
			func() float64 { return float64(g.Reserve()) }),
	)
}
