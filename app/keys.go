package app

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/keys"
)

// Key is a signing key as the Keys screen and `latchkey key list` show it.
type Key struct {
	ID          string `json:"kid"`
	Algorithm   string `json:"alg"`
	State       string `json:"state"`
	CreatedAt   string `json:"created_at"`
	ActivatedAt string `json:"activated_at,omitempty"`
	RetiredAt   string `json:"retired_at,omitempty"`
	RemoveAfter string `json:"remove_after,omitempty"`
	RevokedAt   string `json:"revoked_at,omitempty"`
	// PromoteAt is when a staged rotation makes this next key active.
	PromoteAt  string `json:"promote_at,omitempty"`
	LiveTokens int64  `json:"live_tokens"`
}

func keyDTO(k keys.KeyInfo) Key {
	out := Key{ID: k.ID, Algorithm: k.Algorithm, State: string(k.State), CreatedAt: stamp(k.CreatedAt),
		ActivatedAt: stamp(k.ActivatedAt), RetiredAt: stamp(k.RetiredAt), RemoveAfter: stamp(k.RemoveAfter),
		RevokedAt: stamp(k.RevokedAt), PromoteAt: stamp(k.PromoteAt), LiveTokens: int64(k.LiveTokens)}
	// A key that never signed has no "active since", whatever was scheduled.
	if k.State == authcore.KeyNext || (k.State == authcore.KeyRevoked && k.ActivatedAt.After(k.RevokedAt)) {
		out.ActivatedAt = ""
	}
	return out
}

// ListKeys returns every signing key still known, with its lifecycle.
func (a *App) ListKeys() ([]Key, error) {
	if err := a.srv.Keys.Reload(a.ctx("key.list")); err != nil {
		return nil, err
	}
	ks := a.srv.Keys.Keys()
	out := make([]Key, 0, len(ks))
	for _, k := range ks {
		out = append(out, keyDTO(k))
	}
	return out, nil
}

// RotateKey stages a rotation for alg (empty: the default algorithm): the
// published next key takes over once relying parties have had time to
// fetch it.
func (a *App) RotateKey(alg string) ([]Key, error) {
	ctx := a.ctx("key.rotate")
	if err := a.srv.Keys.Rotate(ctx, alg, a.actor()); err != nil {
		return nil, keyError(err, alg)
	}
	a.adminAction(ctx, "key.rotate", alg)
	return a.ListKeys()
}

// RevokeKey withdraws a compromised key at once: out of the JWKS, and
// every token it signed fails verification. reason is recorded.
func (a *App) RevokeKey(kid, reason string) ([]Key, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, invalid(errNoRevokeReason)
	}
	ctx := a.ctx("key.revoke")
	if err := a.srv.Keys.Revoke(ctx, kid, a.actor(), reason); err != nil {
		return nil, keyError(err, kid)
	}
	a.adminAction(ctx, "key.revoke", kid)
	return a.ListKeys()
}

// JWKS returns the key set exactly as /jwks.json serves it.
func (a *App) JWKS() (string, error) {
	body, _ := a.srv.Keys.JWKS()
	return string(body), nil
}

// keyError shows the key manager's refusals (unknown kid, algorithm not
// in use, no reason) in words, naming subject (the kid or algorithm asked
// for). Anything else, such as a failed read or write of the store, is
// internal and passes on to be logged, never shown.
func keyError(err error, subject string) error {
	switch {
	case errors.Is(err, keys.ErrNoKey):
		return &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("no signing key %q", subject)}
	case errors.Is(err, keys.ErrAlgorithmNotInUse):
		return invalid(fmt.Sprintf("algorithm %q is not one this server signs with", subject))
	case errors.Is(err, keys.ErrNoReason):
		return invalid(errNoRevokeReason)
	}
	return err
}

const errNoRevokeReason = "say why the key is revoked: the reason goes into the audit log"
