// Package server wires Latchkey's authorization server together: it opens
// nothing itself, but takes a store and an audit recorder, builds the key
// manager, the login and OAuth services on them, and exposes one
// http.Handler with the middleware every request passes through (request
// ids, access log, panic recovery, security headers). It also owns the
// listener side: TLS (including --tls-auto's local CA) and graceful
// shutdown.
package server
