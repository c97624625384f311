package login

import (
	"context"
	"errors"
	"net/url"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/passkey"
)

// passkeyFactor is the passkey as a second factor after the password:
// the second-factor page asks for one of the user's passkeys (allowed
// credentials listed, user verification preferred) and passkey.js
// answers in the form's "response" field.
type passkeyFactor struct{ m *Manager }

// Kind is authcore.FactorWebAuthn.
func (passkeyFactor) Kind() authcore.FactorKind { return authcore.FactorWebAuthn }

// factorChallengeID is where a pending sign-in's WebAuthn challenge is
// kept: a new prompt replaces the last one.
func factorChallengeID(ch Challenge) string { return sessionID("webauthn second factor\x00" + ch.ID) }

// Prompt begins an assertion limited to the user's passkeys.
func (f passkeyFactor) Prompt(ctx context.Context, ch Challenge, factors []authcore.Factor) (FactorPrompt, error) {
	keys := passkeysOf(factors)
	options, state, err := f.m.cfg.Passkeys.BeginLogin(&ch.User, keys)
	if err != nil {
		return FactorPrompt{}, err
	}
	c := authcore.PasskeyChallenge{ID: factorChallengeID(ch), State: state, ExpiresAt: f.m.now().Add(ceremonyTTL)}
	if err := f.m.store.PutPasskeyChallenge(ctx, c); err != nil {
		return FactorPrompt{}, err
	}
	return FactorPrompt{Kind: authcore.FactorWebAuthn, Label: "Use your passkey", Options: string(options),
		Script: "/login/passkey.js"}, nil
}

// Verify checks the assertion in form's "response" against the pending
// sign-in's challenge (used once) and stores the new counter. A counter
// that did not advance is audited as a possible clone and refused.
func (f passkeyFactor) Verify(ctx context.Context, ch Challenge, factors []authcore.Factor, form url.Values) (Verified, error) {
	response := form.Get("response")
	if response == "" || len(response) > maxCredentialJSON {
		return Verified{}, ErrSecondFactor
	}
	c, err := f.m.store.TakePasskeyChallenge(ctx, factorChallengeID(ch))
	switch {
	case errors.Is(err, authcore.ErrNotFound):
		return Verified{}, ErrSecondFactor
	case err != nil:
		return Verified{}, err
	}
	keys := passkeysOf(factors)
	load := func(id string) (authcore.User, []authcore.Passkey, error) {
		if id != ch.User.ID {
			return authcore.User{}, nil, authcore.ErrNotFound
		}
		return ch.User, keys, nil
	}
	a, err := f.m.cfg.Passkeys.FinishLogin(passkey.SecondFactor, c.State, []byte(response), load)
	if err == nil {
		err = f.m.passkeyUsed(ctx, passkey.SecondFactor, a)
	}
	if err != nil {
		if !passkey.IsRefused(err) && !errors.Is(err, authcore.ErrNotFound) {
			return Verified{}, err
		}
		f.m.passkeyRefused(ctx, passkey.SecondFactor, a, err)
		return Verified{}, ErrSecondFactor
	}
	used, err := f.m.store.GetFactor(ctx, ch.User.ID, a.Passkey.ID)
	if err != nil {
		return Verified{}, err
	}
	return Verified{Factor: used, AMR: passkeyAMR(a.UserVerified)}, nil
}

// passkeysOf reads the passkeys among factors; others are skipped.
func passkeysOf(factors []authcore.Factor) []authcore.Passkey {
	var out []authcore.Passkey
	for _, f := range factors {
		if p, err := authcore.PasskeyFromFactor(f); err == nil {
			out = append(out, p)
		}
	}
	return out
}
