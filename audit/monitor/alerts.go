package monitor

import (
	"fmt"
	"sync"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/rs/zerolog"
)

// Alert rule names (Alert.Rule, and details.rule of the alert.raised event).
const (
	RuleBruteForceAccount = "brute_force_account"
	RuleBruteForceIP      = "brute_force_ip"
	RuleRefreshReuse      = "refresh_reuse"
	RuleCodeReuse         = "code_reuse"
	RuleInvalidClient     = "invalid_client_spike"
	RuleKeyAge            = "key_age"
)

// Threshold is "Count events within Window". A zero Count disables the
// rule.
type Threshold struct {
	Count  int
	Window time.Duration
}

// AlertConfig configures NewAlerts. Zero thresholds take the defaults.
type AlertConfig struct {
	// Recorder receives the alert.raised events (normally the *audit.Log).
	// They are recorded from a goroutine of their own, never from Observe.
	Recorder audit.Recorder
	Logger   *zerolog.Logger
	Now      func() time.Time

	// BruteForce: failed logins for one account, or from one remote
	// address. Default 10 in 5 minutes.
	BruteForce Threshold
	// InvalidClient: client.auth_failed events (any client). Default 20 in
	// 1 minute.
	InvalidClient Threshold
	// KeyAgeRepeat is how often an over-age key is reported again.
	// Default 24 hours.
	KeyAgeRepeat time.Duration
	// Keep is how many recent alerts Recent returns. Default 100.
	Keep int
	// OnAlert, when set, is called (from the recording goroutine) with each
	// alert, e.g. to notify the console.
	OnAlert func(Alert)

	// Leader, when set, is asked before an event rule fires: on a log
	// several nodes share, every node counts the cluster's events (the
	// Alerts observe them with audit.Log.AddClusterObserver), but only the
	// node holding the background lease raises the alert, so it is raised
	// once, and by another node when that one dies. A node that does not
	// lead still silences the rule for its window, as the leader did.
	// Storage alerts (Raise) and key ages (CheckKeyAge, which its caller
	// gates) are not asked.
	Leader func() bool
	// Node is this node's id: alert.raised events recorded by other nodes
	// join Recent, so every node's Dashboard lists the cluster's alerts.
	Node string
}

// Alert is one fired rule.
type Alert struct {
	Time    time.Time `json:"time"`
	Rule    string    `json:"rule"`
	Key     string    `json:"key,omitempty"` // account, address, client or key id
	Count   int       `json:"count,omitempty"`
	Message string    `json:"message"`
}

// Alerts evaluates alert rules over the event stream (it is an
// audit.Observer) and over key ages (CheckKeyAge). A rule that fired for a
// key stays quiet for that key for one window.
type Alerts struct {
	cfg    AlertConfig
	mu     sync.Mutex
	recent []Alert // newest last
	hits   map[string][]time.Time
	quiet  map[string]time.Time // rule/key -> silent until
	out    chan Alert
	closed bool
	done   chan struct{}
}

// NewAlerts starts the rules; Close stops them.
func NewAlerts(cfg AlertConfig) *Alerts {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		l := zerolog.Nop()
		cfg.Logger = &l
	}
	if cfg.Recorder == nil {
		cfg.Recorder = audit.Discard
	}
	if cfg.BruteForce == (Threshold{}) {
		cfg.BruteForce = Threshold{10, 5 * time.Minute}
	}
	if cfg.InvalidClient == (Threshold{}) {
		cfg.InvalidClient = Threshold{20, time.Minute}
	}
	if cfg.KeyAgeRepeat <= 0 {
		cfg.KeyAgeRepeat = 24 * time.Hour
	}
	if cfg.Keep <= 0 {
		cfg.Keep = 100
	}
	a := &Alerts{cfg: cfg, hits: map[string][]time.Time{}, quiet: map[string]time.Time{},
		out: make(chan Alert, 1024), done: make(chan struct{})}
	go a.emit()
	return a
}

// Observe implements audit.Observer.
func (a *Alerts) Observe(e audit.Event) {
	switch e.Type {
	case audit.LoginFailed, audit.MFAFailed:
		// A wrong second factor is a failed login as much as a wrong
		// password: someone holding the password is guessing codes.
		a.count(RuleBruteForceAccount, e.Subject, a.cfg.BruteForce, e.Time, "failed logins for account %q")
		a.count(RuleBruteForceIP, e.RemoteIP, a.cfg.BruteForce, e.Time, "failed logins from %s")
	case audit.ClientAuthFailed:
		a.count(RuleInvalidClient, "", a.cfg.InvalidClient, e.Time, "invalid_client failures%s")
	case audit.AlertRaised:
		a.seen(e)
	case audit.RefreshReuse:
		a.fireEvent(Alert{Time: e.Time, Rule: RuleRefreshReuse, Key: e.ClientID, Count: 1,
			Message: fmt.Sprintf("refresh token reuse detected (client %q, subject %q); family revoked", e.ClientID, e.Subject)})
	case audit.CodeReuse:
		a.fireEvent(Alert{Time: e.Time, Rule: RuleCodeReuse, Key: e.ClientID, Count: 1,
			Message: fmt.Sprintf("authorization code reuse detected (client %q)", e.ClientID)})
	}
}

// CheckKeyAge raises a key_age alert when signing key kid is older than
// its rotation period (the key manager calls it periodically).
func (a *Alerts) CheckKeyAge(kid string, age, period time.Duration) {
	if period <= 0 || age <= period {
		return
	}
	now := a.cfg.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	k := RuleKeyAge + "/" + kid
	if now.Before(a.quiet[k]) {
		return
	}
	a.quiet[k] = now.Add(a.cfg.KeyAgeRepeat)
	a.fireLocked(Alert{Time: now, Rule: RuleKeyAge, Key: kid,
		Message: fmt.Sprintf("signing key %s is %s old, past its rotation period of %s", kid, age.Round(time.Second), period)})
}
