package server

import (
	"encoding/json"
	"net/http"
)

// handleDiscovery serves the OpenID Provider metadata. Until the OIDC
// provider lands it is the OAuth metadata (RFC 8414) itself: it advertises
// nothing that does not work.
func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	md := s.OAuth.Metadata(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(md)
}
