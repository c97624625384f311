package app

// ClusterNode is one node of the cluster as the Dashboard lists it.
type ClusterNode struct {
	ID        string `json:"id"`
	Version   string `json:"version"`
	Address   string `json:"address"`
	StartedAt string `json:"started_at"`
	LastSeen  string `json:"last_seen"`
	// This is set on the node answering.
	This bool `json:"this"`
}

// ClusterNodes lists the nodes sharing this store that sent a heartbeat
// lately (a Badger store: this node alone), by id.
func (a *App) ClusterNodes() ([]ClusterNode, error) {
	ns, err := a.srv.Nodes(a.ctx("node.list"))
	if err != nil {
		return nil, err
	}
	self := a.srv.Node().ID
	out := make([]ClusterNode, 0, len(ns))
	for _, n := range ns {
		out = append(out, ClusterNode{ID: n.ID, Version: n.Version, Address: n.Address,
			StartedAt: stamp(n.StartedAt), LastSeen: stamp(n.LastSeen), This: n.ID == self})
	}
	return out, nil
}
