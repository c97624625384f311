package login

import (
	"context"

	"github.com/latchkey/latchkey/authcore"
)

// Passkeys are second factors of kind authcore.FactorWebAuthn whose ID
// is the credential ID; these helpers read and write them as passkeys.

// listPasskeys returns the user's passkeys. A factor that does not hold
// a valid passkey is logged and left out: it can sign nobody in.
func (m *Manager) listPasskeys(ctx context.Context, userID string) ([]authcore.Passkey, error) {
	factors, err := m.store.ListFactors(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []authcore.Passkey
	for _, f := range factors {
		if f.Kind != authcore.FactorWebAuthn {
			continue
		}
		p, err := authcore.PasskeyFromFactor(f)
		if err != nil {
			m.log.Error().Err(err).Str("user", userID).Msg("login: unusable passkey record")
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// updatePasskey applies fn to the user's passkey id in one transaction.
func (m *Manager) updatePasskey(ctx context.Context, userID, id string, fn func(authcore.Passkey) (authcore.Passkey, error)) error {
	return m.store.UpdateFactor(ctx, userID, id, func(f authcore.Factor) (authcore.Factor, error) {
		p, err := authcore.PasskeyFromFactor(f)
		if err != nil {
			return f, err
		}
		if p, err = fn(p); err != nil {
			return f, err
		}
		return p.Factor(), nil
	})
}

// deletePasskey removes the user's passkey id through RemoveFactor (so
// the last second factor takes the recovery codes with it); another kind
// of factor with that ID is authcore.ErrNotFound here.
func (m *Manager) deletePasskey(ctx context.Context, userID, id string) error {
	f, err := m.store.GetFactor(ctx, userID, id)
	if err != nil {
		return err
	}
	if f.Kind != authcore.FactorWebAuthn {
		return authcore.ErrNotFound
	}
	return m.RemoveFactor(ctx, userID, id, userID)
}
