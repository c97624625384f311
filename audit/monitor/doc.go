// Package monitor turns the audit event stream into monitoring: Prometheus
// metrics on a private registry (Metrics), in-process time series for the
// console's charts (Timeline) and alert rules that raise alert.raised
// events (Alerts). Each is an audit.Observer: register it with
// (*audit.Log).AddObserver and it sees every committed event.
package monitor
