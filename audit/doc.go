// Package audit is Latchkey's audit and monitoring log: the Event type and
// its catalogue of types, the Recorder every component emits through, and
// Log, the durable implementation of Recorder.
//
// Log keeps events in a Backend: its own Badger database under
// time-ordered keys (Open), or the PostgreSQL database several nodes
// share, one hash chain per node (OpenPostgres). Each event is one JSON
// line linked into a SHA-256 hash chain (see Entry) that Verify walks, and
// names the node that recorded it. Record goes through a bounded buffer drained by one writer
// that commits in batches (back-pressure, never silent drops); RecordSync
// waits until its event is durable. Query answers filters from secondary
// indexes with cursor pagination; Export writes JSON lines; Subscribe
// streams new events; Prune enforces retention and keeps an anchor so the
// chain still verifies. Subpackage monitor derives Prometheus metrics,
// console time series and alerts from the same events.
//
// An Event never carries a secret: no passwords, tokens, codes or client
// secrets; tokens are referred to by jti or by a hash prefix.
package audit
