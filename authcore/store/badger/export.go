package badger

import (
	"context"
	"encoding/json"
	"strings"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/latchkey/latchkey/authcore"
)

var _ authcore.Exporter = (*Store)(nil)

// Export returns every record of the store, expired ones included, read
// in one transaction (authcore.Exporter), for latchkey store copy.
func (s *Store) Export(ctx context.Context) (authcore.Snapshot, error) {
	var out authcore.Snapshot
	err := s.view(ctx, func(txn *bdg.Txn) error {
		each := func(kind string, fn func(k string, v []byte) error) error {
			return scan(txn, prefix(kind), func(k, v []byte) error { return fn(string(k), v) })
		}
		decode := func(kind string, add func([]byte) error) error {
			return each(kind, func(_ string, v []byte) error { return add(v) })
		}
		steps := []error{
			decode(kindClient, into(&out.Clients, clientV1.domain)),
			decode(kindUser, into(&out.Users, userV1.domain)),
			decode(kindConsent, into(&out.Consents, consentV1.domain)),
			decode(kindSession, into(&out.Sessions, sessionV1.domain)),
			decode(kindScope, into(&out.Scopes, func(r scopeV1) authcore.Scope { return authcore.Scope(r) })),
			decode(kindKey, into(&out.SigningKeys, signingKeyV1.domain)),
			decode(kindCode, into(&out.AuthCodes, codeV1.domain)),
			decode(kindGrant, into(&out.Grants, grantV1.domain)),
			decode(kindRT, into(&out.RefreshTokens, refreshV1.domain)),
			decode(kindRevoked, into(&out.Revocations, func(r revocationV1) authcore.Revocation { return authcore.Revocation(r) })),
			decode(kindIDP, into(&out.IdentityProviders, idpV1.domain)),
			decode(kindFedLink, into(&out.FederatedLinks, fedLinkV1.domain)),
			decode(kindPAR, into(&out.PushedRequests, func(r parV1) authcore.PushedRequest {
				return authcore.PushedRequest{Hash: r.Hash, ClientID: r.ClientID, Params: r.Params, ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt}
			})),
			decode(kindDevice, into(&out.DeviceCodes, deviceV1.domain)),
			decode(kindFactor, into(&out.Factors, factorV1.domain)),
			each(kindOnce, func(k string, v []byte) error {
				var r onceV1
				if err := json.Unmarshal(v, &r); err != nil {
					return err
				}
				// v1/once/<kind>/<id>, each part path-escaped.
				parts := strings.SplitN(strings.TrimPrefix(k, string(prefix(kindOnce))), "/", 2)
				if len(parts) != 2 {
					return nil
				}
				out.UsedOnce = append(out.UsedOnce, authcore.UsedOnce{Kind: unescape(parts[0]), ID: unescape(parts[1]),
					ExpiresAt: r.ExpiresAt, UsedAt: r.UsedAt})
				return nil
			}),
			each(kindSetting, func(k string, v []byte) error {
				if out.Settings == nil {
					out.Settings = map[string][]byte{}
				}
				out.Settings[lastPart([]byte(k))] = append([]byte(nil), v...)
				return nil
			}),
		}
		for _, err := range steps {
			if err != nil {
				return err
			}
		}
		access, err := accessByGrant(txn)
		for i, g := range out.Grants {
			for _, t := range access[g.ID] {
				out.Grants[i].AccessJTIs = append(out.Grants[i].AccessJTIs, authcore.IssuedToken(t))
			}
		}
		return err
	})
	return out, err
}

// into returns a decoder that appends the domain form of each record of
// type R to list.
func into[R any, T any](list *[]T, domain func(R) T) func([]byte) error {
	return func(v []byte) error {
		var r R
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		*list = append(*list, domain(r))
		return nil
	}
}

func unescape(p string) string { return lastPart([]byte(p)) }
