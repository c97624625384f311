// Package audit is Latchkey's audit and monitoring log: the Event type and
// its catalogue of types, the Recorder every component emits through, and
// (in later files) storage, query, live stream and metrics.
//
// An Event never carries a secret: no passwords, tokens, codes or client
// secrets; tokens are referred to by jti or by a hash prefix.
package audit
