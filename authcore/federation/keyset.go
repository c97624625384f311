package federation

import (
	"context"

	"github.com/latchkey/latchkey/authcore/jwkset"
)

// newKeys returns the JWKS cache of a provider: fetched from jwksURI's
// answer, with the Service's client, size cap, refetch rate limit, max
// age and stale bound (jwkset does the fetching, caching and key-to-alg
// binding the gateway uses too).
func (s *Service) newKeys(issuer string, jwksURI func(context.Context) (string, error)) *jwkset.Remote {
	log := s.log.With().Str("issuer", issuer).Logger()
	return jwkset.NewRemote(jwkset.Config{
		URL: jwksURI, Client: s.http, Timeout: DefaultFetchTimeout, MaxBytes: MaxDocumentBytes,
		MinRefetch: s.cfg.MinRefetch, DefaultMaxAge: s.cfg.JWKSMaxAge, MaxStale: s.cfg.MaxStale, Now: s.now,
		OnStale: func(err error) {
			log.Warn().Err(err).Msg("federation: JWKS refresh failed; using cached keys")
		},
	})
}

// kids describes the keys of a set, for TestConnection.
func kids(ks *jwkset.Set) []KeyInfo {
	keys := ks.Keys()
	out := make([]KeyInfo, 0, len(keys))
	for _, k := range keys {
		out = append(out, KeyInfo{KeyID: k.KID, Algorithms: k.Algs})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
