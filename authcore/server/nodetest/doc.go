// Package nodetest holds the tests of several Latchkey servers (nodes)
// sharing one PostgreSQL database in one process: signing keys, the
// background lease, heartbeats and readiness. It has no code of its own;
// its tests always run on the package's private PostgreSQL cluster.
package nodetest
