package oauth

import (
	"errors"
	"time"

	"golang.org/x/time/rate"
)

// Policy is the part of Config an administrator may change while the
// server runs (SetPolicy): default token lifetimes and the rate limits of
// the token endpoint. A zero field selects the package default, as in
// Config.
type Policy struct {
	// AccessTokenTTL and RefreshTokenTTL are the default lifetimes;
	// a client's own (authcore.Client.AccessTokenTTL, RefreshTokenTTL)
	// still wins.
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// ClientRate, IPRate and their bursts are the ceilings of /token,
	// /revoke, /introspect, /par and /device_authorization (rate.Inf: no
	// ceiling).
	ClientRate  rate.Limit
	ClientBurst int
	IPRate      rate.Limit
	IPBurst     int
	// AuthFailureRate and AuthFailureBurst throttle failed client
	// authentications (rate.Inf turns the guard off).
	AuthFailureRate  rate.Limit
	AuthFailureBurst int
}

// Policy returns the policy in force.
func (s *Server) Policy() Policy { return *s.policy.Load() }

// SetPolicy puts p in force for every request that starts after it
// returns: tokens minted from then on get its lifetimes, and the limiters
// take its rates, keeping what each client and IP has already spent.
// Zero fields select the defaults; negative lifetimes are refused.
func (s *Server) SetPolicy(p Policy) error {
	if p.AccessTokenTTL < 0 || p.RefreshTokenTTL < 0 || p.ClientBurst < 0 || p.IPBurst < 0 ||
		p.AuthFailureBurst < 0 || p.ClientRate < 0 || p.IPRate < 0 || p.AuthFailureRate < 0 {
		return errors.New("oauth: negative Policy value")
	}
	fillPolicyDefaults(&p)
	s.clientRL.Set(p.ClientRate, p.ClientBurst)
	s.ipRL.Set(p.IPRate, p.IPBurst)
	s.authGuard.set(p.AuthFailureRate, p.AuthFailureBurst)
	s.policy.Store(&p)
	return nil
}

func fillPolicyDefaults(p *Policy) {
	if p.AccessTokenTTL <= 0 {
		p.AccessTokenTTL = DefaultAccessTokenTTL
	}
	if p.RefreshTokenTTL <= 0 {
		p.RefreshTokenTTL = DefaultRefreshTokenTTL
	}
	if p.ClientRate == 0 {
		p.ClientRate, p.ClientBurst = DefaultRate, DefaultBurst
	}
	if p.IPRate == 0 {
		p.IPRate, p.IPBurst = DefaultRate, DefaultBurst
	}
	if p.AuthFailureRate == 0 {
		p.AuthFailureRate, p.AuthFailureBurst = DefaultAuthFailureRate, DefaultAuthFailureBurst
	}
}

// policyOf is the Policy part of cfg.
func policyOf(cfg Config) Policy {
	return Policy{AccessTokenTTL: cfg.AccessTokenTTL, RefreshTokenTTL: cfg.RefreshTokenTTL,
		ClientRate: cfg.ClientRate, ClientBurst: cfg.ClientBurst, IPRate: cfg.IPRate, IPBurst: cfg.IPBurst,
		AuthFailureRate: cfg.AuthFailureRate, AuthFailureBurst: cfg.AuthFailureBurst}
}
