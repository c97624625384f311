package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// readyTimeout bounds the store check of one /readyz request.
const readyTimeout = 2 * time.Second

// Reasons /readyz gives for 503.
const (
	NotReadyDraining = "draining"          // SIGTERM: finishing in-flight requests
	NotReadyStore    = "store_unavailable" // the store does not answer, or its schema is not this binary's
	NotReadyKeys     = "keys_not_loaded"   // no active signing key
)

// Drain makes /readyz answer 503 "draining" from now on, so that load
// balancers stop sending new requests before the listener shuts down.
// Requests keep being served.
func (s *Server) Drain() { s.cluster.draining.Store(true) }

// Ready says why this node should not receive traffic ("" when it
// should): it is draining, the store does not answer a cheap query or
// its schema is not current, or no signing key is loaded. The store's
// error is logged (once until it recovers), never returned to a client.
func (s *Server) Ready(ctx context.Context) string {
	if s.cluster.draining.Load() {
		return NotReadyDraining
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	reason := ""
	err := s.Store.Ready(ctx)
	switch {
	case err != nil:
		reason = NotReadyStore
	case !s.Keys.Loaded():
		reason = NotReadyKeys
	}
	if was := s.cluster.notReady.Swap(reason != ""); was != (reason != "") {
		if reason != "" {
			s.log.Warn().Err(err).Str("reason", reason).Msg("server: not ready")
		} else {
			s.log.Info().Msg("server: ready again")
		}
	}
	return reason
}

// health is the body of /healthz and /readyz.
type health struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	Node   string `json:"node_id"`
}

// handleHealthz answers 200 while the process serves HTTP at all.
func (s *Server) handleHealthz(w http.ResponseWriter, _ *http.Request) {
	writeHealth(w, http.StatusOK, health{Status: "ok", Node: s.cluster.node.ID})
}

// handleReadyz answers 200 when the node can serve requests, 503 with
// the reason otherwise (Ready).
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if reason := s.Ready(r.Context()); reason != "" {
		writeHealth(w, http.StatusServiceUnavailable, health{Status: "unavailable", Reason: reason, Node: s.cluster.node.ID})
		return
	}
	writeHealth(w, http.StatusOK, health{Status: "ready", Node: s.cluster.node.ID})
}

func writeHealth(w http.ResponseWriter, status int, h health) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(h)
}
