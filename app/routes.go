package app

import (
	"errors"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/gateway"
	"github.com/latchkey/latchkey/authcore/server"
)

// Route is a gateway route as the Gateway screen and `latchkey route`
// show it; its JSON is the standalone gateway file's route shape.
type Route = gateway.Route

// RouteStats are a route's live counters.
type RouteStats = gateway.RouteStats

func routeError(err error) error {
	if msg, ok := authcore.PublicMessage(err, server.ErrInvalidRoute); ok {
		return invalid("invalid route: " + msg)
	}
	return err
}

// ListRoutes returns the routes an admin added to the embedded gateway
// (the built-in demo API is not among them).
func (a *App) ListRoutes() ([]Route, error) {
	rs, err := a.srv.Routes(a.ctx("route.list"))
	return nonNil(rs), err
}

// AddRoute adds a route; it takes effect at once, without a restart.
func (a *App) AddRoute(r Route) ([]Route, error) {
	ctx := a.ctx("route.add")
	rs, err := a.srv.Routes(ctx)
	if err != nil {
		return nil, err
	}
	for _, old := range rs {
		if old.Prefix == r.Prefix && strings.EqualFold(old.Host, r.Host) {
			return nil, invalid("a route for " + r.Prefix + " already exists; update it instead")
		}
	}
	if err := a.srv.SetRoutes(ctx, append(rs, r)); err != nil {
		return nil, routeError(err)
	}
	a.adminAction(ctx, "route.add", r.Prefix)
	return a.ListRoutes()
}

// UpdateRoute replaces the route with prefix.
func (a *App) UpdateRoute(prefix string, r Route) ([]Route, error) {
	ctx := a.ctx("route.update")
	rs, err := a.srv.Routes(ctx)
	if err != nil {
		return nil, err
	}
	i := indexRoute(rs, prefix)
	if i < 0 {
		return nil, &Error{Status: 404, Message: "no route for " + prefix}
	}
	rs[i] = r
	if err := a.srv.SetRoutes(ctx, rs); err != nil {
		return nil, routeError(err)
	}
	a.adminAction(ctx, "route.update", prefix)
	return a.ListRoutes()
}

// RemoveRoute deletes the route with prefix.
func (a *App) RemoveRoute(prefix string) ([]Route, error) {
	ctx := a.ctx("route.remove")
	rs, err := a.srv.Routes(ctx)
	if err != nil {
		return nil, err
	}
	i := indexRoute(rs, prefix)
	if i < 0 {
		return nil, &Error{Status: 404, Message: "no route for " + prefix}
	}
	if err := a.srv.SetRoutes(ctx, append(rs[:i], rs[i+1:]...)); err != nil {
		return nil, routeError(err)
	}
	a.adminAction(ctx, "route.remove", prefix)
	return a.ListRoutes()
}

// GatewayStats returns every route's counters, the demo API's included.
func (a *App) GatewayStats() ([]RouteStats, error) { return nonNil(a.srv.Gateway.Stats()), nil }

// ProbeResult is the outcome of checking a route's upstream.
type ProbeResult = gateway.ProbeResult

// ProbeRoute checks whether a route's upstream answers (one GET of its
// base URL, no credentials) and records the outcome as the route's
// health. name is the route's name, or its prefix when it has none.
func (a *App) ProbeRoute(name string) (ProbeResult, error) {
	res, err := a.srv.Gateway.Probe(a.ctx("route.probe"), name)
	if errors.Is(err, gateway.ErrNoRoute) {
		return res, &Error{Status: http.StatusNotFound, Message: "no route named " + name}
	}
	return res, err
}

// NewFeedToken makes the credential a standalone gateway uses for the
// revocation feed; shown once, it replaces any earlier one.
func (a *App) NewFeedToken() (string, error) {
	ctx := a.ctx("gateway.feed_token")
	tok, err := a.srv.NewFeedToken(ctx)
	if err == nil {
		a.adminAction(ctx, "gateway.feed_token", "")
	}
	return tok, err
}

func indexRoute(rs []Route, prefix string) int {
	for i, r := range rs {
		if r.Prefix == prefix {
			return i
		}
	}
	return -1
}
