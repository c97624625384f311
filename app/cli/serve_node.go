package cli

import (
	"flag"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/latchkey/latchkey/authcore/server"
)

// nodeFlags name this node among several sharing a store, and how it
// leaves the load balancer's rotation on SIGTERM.
type nodeFlags struct {
	id         string
	drainDelay time.Duration
}

func (n *nodeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&n.id, "node-id", "", "this node's id among the nodes sharing a store, in logs, metrics, heartbeats and the Dashboard; default: the host name (keep it stable across restarts)")
	fs.DurationVar(&n.drainDelay, "drain-delay", 2*time.Second, "on SIGTERM, how long /readyz answers 503 while requests are still served, before the listener stops (part of the 10 s shutdown)")
}

// ID is the node id: --node-id, else the host name.
func (n *nodeFlags) ID() string {
	if n.id != "" {
		return n.id
	}
	return server.DefaultNodeID()
}

// registerNodeInfo adds latchkey_node_info{node_id,version} 1 to reg, so
// every scraped series can be joined with the node that served it.
func registerNodeInfo(reg *prometheus.Registry, id, version string) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "latchkey_node_info",
		Help: "This node's id and version (always 1)."}, []string{"node_id", "version"})
	g.WithLabelValues(id, version).Set(1)
	reg.MustRegister(g)
}
