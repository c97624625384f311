package cli

import (
	"flag"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/latchkey/latchkey/authcore/server"
)

// nodeFlags say how a node leaves the load balancer's rotation on
// SIGTERM; its id is --node-id (storeFlags, shared with the audit log).
type nodeFlags struct {
	drainDelay time.Duration
}

func (n *nodeFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&n.drainDelay, "drain-delay", 2*time.Second, "on SIGTERM, how long /readyz answers 503 while requests are still served, before the listener stops (part of the 10 s shutdown)")
}

// nodeID is the node id: --node-id, else the host name.
func (f *serveFlags) nodeID() string {
	if f.storeFlags.nodeID != "" {
		return f.storeFlags.nodeID
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
