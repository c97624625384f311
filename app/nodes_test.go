package app_test

import (
	"context"
	"testing"
)

// The Dashboard's node list: this node after its heartbeat, marked as
// the one answering, and its id in Status.
func TestClusterNodes(t *testing.T) {
	a, srv := newAppServer(t)
	if nodes, err := a.ClusterNodes(); err != nil || len(nodes) != 0 {
		t.Fatalf("before any heartbeat: %+v, %v; want none", nodes, err)
	}
	if err := srv.Heartbeat(context.Background()); err != nil {
		t.Fatal(err)
	}
	nodes, err := a.ClusterNodes()
	if err != nil || len(nodes) != 1 || nodes[0].ID != srv.Node().ID || !nodes[0].This || nodes[0].LastSeen == "" {
		t.Fatalf("ClusterNodes: %+v, %v", nodes, err)
	}
	st, _ := a.Status()
	if st.NodeID == "" || st.NodeID != srv.Node().ID {
		t.Errorf("Status.NodeID = %q, want %q", st.NodeID, srv.Node().ID)
	}
}
