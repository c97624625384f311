package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/gateway"
)

// Settings the gateway keeps in the store.
const (
	routesSetting    = "gateway.routes"
	feedTokenSetting = "gateway.feed_token_sha256"
)

// reservedPrefixes are the server's own paths; a gateway route may not
// shadow them.
var reservedPrefixes = []string{"/authorize", "/token", "/revoke", "/introspect", "/userinfo", "/jwks.json",
	"/.well-known", "/login", "/logout", "/consent", "/console", "/metrics", "/healthz", "/readyz", "/demo/",
	"/revocations", "/end_session", "/par", "/device", "/register", "/federation"}

// newGateway builds the embedded gateway: keys straight from the key
// manager, revocations straight from the store, the demo API, and the
// routes stored by the console or the CLI.
func (s *Server) newGateway(ctx context.Context, metrics gateway.Metrics) error {
	routes, err := s.loadRoutes(ctx)
	if err != nil {
		return err
	}
	s.Gateway, err = gateway.New(gateway.Config{
		Issuer:      s.Issuer,
		Audience:    s.Issuer,
		Keys:        gateway.NewFuncKeySource(s.Keys.JWKS),
		Revocations: s.Store,
		Routes:      append(gateway.DemoRoutes(s.Issuer), routes...),
		Audit:       s.Audit,
		Metrics:     metrics,
		Logger:      s.log,
		Now:         s.now,
		DPoPReplay:  s.OIDC.Binding().Replay, // the store's: one use on every node
	})
	return err
}

func (s *Server) loadRoutes(ctx context.Context) ([]gateway.Route, error) {
	raw, err := s.Store.GetSetting(ctx, routesSetting)
	if errors.Is(err, authcore.ErrNotFound) || len(raw) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var routes []gateway.Route
	if err := json.Unmarshal(raw, &routes); err != nil {
		return nil, fmt.Errorf("server: stored gateway routes: %w", err)
	}
	return routes, nil
}

// Routes returns the gateway routes an admin added (not the demo API).
func (s *Server) Routes(ctx context.Context) ([]gateway.Route, error) { return s.loadRoutes(ctx) }

// SetRoutes validates routes, swaps them into the running gateway without
// dropping in-flight requests, and stores them.
func (s *Server) SetRoutes(ctx context.Context, routes []gateway.Route) error {
	for _, r := range routes {
		if r.Handler != nil || r.Upstream == "" {
			return authcore.Invalid(ErrInvalidRoute, "route %q needs an upstream URL", r.Prefix)
		}
		for _, p := range reservedPrefixes {
			if strings.HasPrefix(r.Prefix, p) || strings.HasPrefix(p, strings.TrimSuffix(r.Prefix, "/")+"/") || r.Prefix == "/" {
				return authcore.Invalid(ErrInvalidRoute, "prefix %q would shadow Latchkey's own %s", r.Prefix, p)
			}
		}
	}
	old, err := s.loadRoutes(ctx)
	if err != nil {
		return err
	}
	if err := s.Gateway.SetRoutes(append(gateway.DemoRoutes(s.Issuer), routes...)); err != nil {
		if msg, ok := authcore.PublicMessage(err, gateway.ErrInvalidConfig); ok {
			return authcore.Invalid(ErrInvalidRoute, "%s", msg)
		}
		return err
	}
	raw, _ := json.Marshal(routes)
	if err := s.Store.PutSetting(ctx, routesSetting, raw); err != nil {
		_ = s.Gateway.SetRoutes(append(gateway.DemoRoutes(s.Issuer), old...))
		return err
	}
	return nil
}

// ErrInvalidRoute is the Kind of the authcore.InvalidError of a route
// the gateway refuses; its Message says why.
var ErrInvalidRoute = errors.New("invalid route")

// NewFeedToken makes the credential a standalone gateway presents to the
// revocation feed (GET /revocations/feed). It is shown once and stored
// only as its SHA-256; a new one replaces the old.
func (s *Server) NewFeedToken(ctx context.Context) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	token := "lkf_" + hex.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(token))
	return token, s.Store.PutSetting(ctx, feedTokenSetting, sum[:])
}

// authorizeFeed checks a feed credential in constant time.
func (s *Server) authorizeFeed(ctx context.Context, credential string) bool {
	want, err := s.Store.GetSetting(ctx, feedTokenSetting)
	if err != nil || len(want) != sha256.Size || credential == "" {
		return false
	}
	got := sha256.Sum256([]byte(credential))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}
