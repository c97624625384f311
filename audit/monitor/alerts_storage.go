package monitor

// Rules raised by the storage checks rather than by events.
const (
	// RuleStorage: the data directory refuses writes (disk almost full,
	// gone or read-only), or writes resumed.
	RuleStorage = "storage"
	// RuleStoreDamaged: a damaged file was found at start (a truncated or
	// corrupted write-ahead log), or revocations were restored from the
	// audit log.
	RuleStoreDamaged = "store_damaged"
)

// Raise fires an alert that no event rule can see: the storage checks call
// it. The alert reaches Recent (the Dashboard) even when its alert.raised
// event cannot be written (a full disk).
func (a *Alerts) Raise(rule, key, message string) {
	a.fire(Alert{Time: a.cfg.Now(), Rule: rule, Key: key, Count: 1, Message: message})
}
