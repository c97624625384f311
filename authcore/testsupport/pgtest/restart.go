package pgtest

import "errors"

// Halt stops the server at once (pg_ctl stop -m immediate: every
// connection is cut, as when the database machine dies) and keeps its
// data, for Resume. Tests of what clients do while the database is down
// use it on a cluster of their own (Start), never on Shared.
func (c *Cluster) Halt() error {
	if c == nil || c.Dir == "" {
		return errors.New("pgtest: Halt of a stopped cluster")
	}
	return c.run("pg_ctl", "stop", "-w", "-D", c.data(), "-m", "immediate")
}

// Resume starts a halted server again on the same port, with the same
// data, and waits until it accepts connections.
func (c *Cluster) Resume() error {
	if c == nil || c.Dir == "" {
		return errors.New("pgtest: Resume of a removed cluster")
	}
	return c.start()
}
