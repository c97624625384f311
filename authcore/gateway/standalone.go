package gateway

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
)

// Standalone assembles the gateway a FileConfig describes, for `latchkey
// gateway --config FILE`: keys from the issuer's discovered JWKS
// (RemoteKeys), revocations from a started FeedClient (or none, when the
// file says so), and an Introspector when the file has introspection
// settings. stop closes the feed client. fc should come from LoadConfig
// (which validates it). Reloading the file's routes later is SetRoutes.
func Standalone(ctx context.Context, fc FileConfig, rec audit.Recorder, metrics Metrics, log zerolog.Logger) (g *Gateway, stop func(), err error) {
	if err := fc.Validate(); err != nil {
		return nil, nil, err
	}
	cfg := Config{Issuer: fc.Issuer, Audience: fc.Audience, Routes: fc.Routes, PublicURL: fc.PublicURL,
		Audit: rec, Metrics: metrics, Logger: log,
		Keys: NewRemoteKeys(RemoteKeysConfig{Issuer: fc.Issuer, JWKSURL: fc.JWKSURI, Logger: log})}
	if fc.Leeway != "" {
		cfg.Leeway, _ = time.ParseDuration(fc.Leeway)
	}
	if fc.Introspection != nil {
		cfg.Introspector = NewIntrospector(fc.Issuer, *fc.Introspection, nil, nil)
	}
	stop = func() {}
	if fc.Feed != nil {
		urls := fc.Feed.all()
		fcl := NewFeedClient(urls[0], fc.Feed.Credential, FeedClientConfig{Logger: log, Alternates: urls[1:]})
		fcl.Start(ctx)
		cfg.Revocations, stop = fcl, fcl.Close
	} else {
		cfg.Revocations = NoRevocations{}
	}
	g, err = New(cfg)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return g, stop, nil
}
