package server

import (
	"context"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/gateway"
)

// reloadTimeout bounds one reload of what a node keeps in memory.
const reloadTimeout = 10 * time.Second

// staleness is how late a node may see what another node changed, in
// what it keeps in memory without being told (the failure guard's counts,
// oauth.Config.CounterTTL): the bound a change on one node
// applies on every node within.
const staleness = time.Second

// sharedStaleness is staleness for a store several nodes share (one with
// a change feed), 0 for a store one process owns.
func sharedStaleness(st authcore.Storage) time.Duration {
	if _, ok := st.(authcore.ChangeFeed); ok {
		return staleness
	}
	return 0
}

// followChanges keeps this node in step with the other nodes sharing its
// store, when the store can say what they changed (authcore.ChangeFeed:
// PostgreSQL). What each node reads from the store on every request
// (clients, scopes, users, grants, whether a jti is revoked) needs
// nothing; what it keeps in memory is reloaded: the signing keys (and so
// the generation of the verified-token caches), the live policy, the
// embedded gateway's routes and the identity providers' cached discovery
// and keys. Revocations made on any node are passed on to the standalone
// gateways following this node's feed. With Badger (one process) it
// returns at once: the node's own writes already reach its memory.
func (s *Server) followChanges(ctx context.Context) {
	cf, ok := s.base.(authcore.ChangeFeed)
	if !ok {
		return
	}
	err := cf.WatchChanges(ctx, s.applyChanges)
	if ctx.Err() == nil {
		s.log.Error().Err(err).Msg("server: following the other nodes' changes stopped")
	}
}

// applyChanges acts on one batch of changes; resync reloads everything and
// ends the feed's streams, whose gateways reconnect and take a fresh
// snapshot (this node may have missed revocations it should have sent).
func (s *Server) applyChanges(batch []authcore.Change, resync bool) {
	ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
	defer cancel()
	var keys, policy, routes, idps bool
	for _, c := range batch {
		switch c.Kind {
		case authcore.ChangeRevoked:
			s.Feed.Publish(authcore.Revocation{JTI: c.Ref, ExpiresAt: c.ExpiresAt})
		case authcore.ChangeKey:
			keys = true
		case authcore.ChangeIdP:
			idps = true
		case authcore.ChangeSetting:
			policy = policy || c.Ref == PolicySetting
			routes = routes || c.Ref == routesSetting
		}
	}
	if resync {
		keys, policy, routes, idps = true, true, true, true
		s.Feed.Drop()
	}
	if keys {
		s.reloadPart("signing keys", s.Keys.Reload(ctx))
	}
	if policy {
		s.reloadPart("policy", s.reloadPolicy(ctx))
	}
	if routes {
		s.reloadPart("gateway routes", s.reloadRoutes(ctx))
	}
	if idps {
		s.Federation.ForgetAll()
	}
}

func (s *Server) reloadPart(what string, err error) {
	if err != nil {
		s.log.Error().Err(err).Str("part", what).Msg("server: reloading what another node changed failed; the previous state stays in force")
	}
}

// reloadPolicy puts the saved policy in force, as another node saved it.
// A saved document that does not validate here (a node of another
// version wrote it) leaves the policy in force unchanged.
func (s *Server) reloadPolicy(ctx context.Context) error {
	s.policy.mu.Lock()
	defer s.policy.mu.Unlock()
	return s.reloadPolicyLocked(ctx)
}

// reloadPolicyLocked is reloadPolicy with s.policy.mu held. UpdatePolicy
// reloads first (reloadPolicyFrom), so that a change saved a moment ago
// on another node, not yet reloaded here, is neither overwritten nor
// reported as this change.
func (s *Server) reloadPolicyLocked(ctx context.Context) error {
	raw, err := policyRaw(ctx, s.Store)
	if err != nil {
		return err
	}
	return s.reloadPolicyFrom(raw)
}

// reloadPolicyFrom puts the saved document raw in force, with
// s.policy.mu held.
func (s *Server) reloadPolicyFrom(raw []byte) error {
	doc, err := decodePolicyDoc(raw)
	if err != nil {
		return err
	}
	ps := &s.policy
	p, perr := merge(ps.defaults, doc.Values)
	if perr != nil {
		return perr
	}
	ps.doc = doc
	return s.apply(p)
}

// reloadRoutes swaps the stored routes into the embedded gateway.
func (s *Server) reloadRoutes(ctx context.Context) error {
	routes, err := s.loadRoutes(ctx)
	if err != nil {
		return err
	}
	return s.Gateway.SetRoutes(append(gateway.DemoRoutes(s.Issuer), routes...))
}
