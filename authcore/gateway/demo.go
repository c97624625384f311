package gateway

import (
	"net/http"
	"time"
)

// Demo API paths and the scopes they need.
const (
	DemoProfilePath = "/demo/api/profile"
	DemoOrdersPath  = "/demo/api/orders"
	DemoOrdersScope = "orders:read"
)

// notThroughGateway answers a demo API call that did not come through
// the gateway (no identity in its context).
func notThroughGateway() *denial {
	return plainDenial(http.StatusUnauthorized, "unauthorized", "no_identity", "call this API through the gateway with an access token")
}

// DemoAPI is the small protected API the embedded gateway serves on the
// server's own listener, so the flow tester and new users can call an API
// with their token on the first run. It trusts only the identity the
// gateway put in the request context (IdentityFrom) and answers 401 when
// there is none, so it is harmless if mounted without the gateway.
func DemoAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+DemoProfilePath, func(w http.ResponseWriter, r *http.Request) {
		id, ok := IdentityFrom(r.Context())
		if !ok {
			notThroughGateway().write(w, "")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"subject": id.Subject, "client_id": id.ClientID, "scopes": id.Scopes, "audience": id.Audience,
			"issuer": id.Issuer, "expires_at": id.ExpiresAt.UTC().Format(time.RFC3339),
			"sender_constrained": id.JKT != "" || id.X5T != "",
		})
	})
	mux.HandleFunc("GET "+DemoOrdersPath, func(w http.ResponseWriter, r *http.Request) {
		id, ok := IdentityFrom(r.Context())
		if !ok {
			notThroughGateway().write(w, "")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"subject": id.Subject, "client_id": id.ClientID,
			"orders": []map[string]any{
				{"id": "ord-1001", "item": "Brass key blank", "quantity": 2, "status": "shipped"},
				{"id": "ord-1002", "item": "Latch, mortise", "quantity": 1, "status": "processing"},
			},
		})
	})
	return mux
}

// DemoRoutes are the embedded gateway's routes to DemoAPI: GET
// /demo/api/profile needs scope profile and GET /demo/api/orders scope
// orders:read, both for audience.
func DemoRoutes(audience string) []Route {
	api := DemoAPI()
	return []Route{
		{Name: "demo-profile", Prefix: DemoProfilePath, Methods: []string{http.MethodGet}, Handler: api,
			Scopes: []string{"profile"}, Audience: audience},
		{Name: "demo-orders", Prefix: DemoOrdersPath, Methods: []string{http.MethodGet}, Handler: api,
			Scopes: []string{DemoOrdersScope}, Audience: audience},
	}
}
