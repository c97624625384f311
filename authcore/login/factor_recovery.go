package login

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// Recovery codes: ten per user, each 50 random bits written as two
// groups of five base32 letters ("k7q2m-x4tpa").
const (
	recoveryCount = 10
	recoveryBytes = 7 // 56 bits read, 50 kept (10 base32 letters)
	// recoveryFactorID is the id of a user's one recovery-code factor.
	recoveryFactorID = "recovery"
)

var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// SetSecretHasher sets the keyed hash recovery codes are stored under:
// the server's secret hash (HMAC-SHA256 under the installation's pepper,
// as for client secrets). Call it once, before serving; without it
// recovery codes cannot be generated or used.
func (m *Manager) SetSecretHasher(h func(secret string) []byte) { m.hashSecret = h }

// errNoHasher: SetSecretHasher was not called.
var errNoHasher = errors.New("login: no secret hasher for recovery codes")

// recoveryFactor is the recovery-code second factor. Factor.Secret is
// the JSON list of the unused codes' keyed hashes; using a code removes
// its hash in the same transaction that checks it.
type recoveryFactor struct{ m *Manager }

func (recoveryFactor) Kind() authcore.FactorKind { return authcore.FactorRecovery }

func (recoveryFactor) Prompt(context.Context, Challenge, []authcore.Factor) (FactorPrompt, error) {
	return FactorPrompt{Kind: authcore.FactorRecovery, Label: "Recovery code", CodeField: true}, nil
}

// Verify spends one recovery code and audits its use with the number
// left, which the user is told.
func (rf recoveryFactor) Verify(ctx context.Context, ch Challenge, factors []authcore.Factor, form url.Values) (Verified, error) {
	m := rf.m
	if m.hashSecret == nil {
		return Verified{}, errNoHasher
	}
	code := normalizeCode(form.Get("code"))
	if len(code) != 10 || len(factors) == 0 {
		return Verified{}, ErrSecondFactor
	}
	h := m.hashSecret(code)
	now := m.now()
	left := 0
	var used authcore.Factor
	err := m.store.UpdateFactor(ctx, ch.User.ID, recoveryFactorID, func(cur authcore.Factor) (authcore.Factor, error) {
		var hashes [][]byte
		if err := json.Unmarshal(cur.Secret, &hashes); err != nil {
			return cur, fmt.Errorf("login: stored recovery codes: %w", err)
		}
		keep, hit := hashes[:0:0], false
		for _, x := range hashes {
			if subtle.ConstantTimeCompare(x, h) == 1 && !hit {
				hit = true
				continue
			}
			keep = append(keep, x)
		}
		if !hit {
			return cur, ErrSecondFactor
		}
		b, err := json.Marshal(keep)
		if err != nil {
			return cur, err
		}
		cur.Secret, cur.LastUsedAt, left = b, now, len(keep)
		used = cur
		return cur, nil
	})
	if err != nil {
		if errors.Is(err, ErrSecondFactor) || errors.Is(err, authcore.ErrNotFound) {
			return Verified{}, ErrSecondFactor
		}
		return Verified{}, fmt.Errorf("login: use recovery code: %w", err)
	}
	m.record(ctx, audit.Event{Type: audit.RecoveryCodeUsed, Outcome: audit.Success, Subject: ch.User.ID,
		Actor: ch.User.ID, Details: map[string]any{"remaining": left}})
	return Verified{Factor: used, AMR: []string{authcore.AMROTP}, Notice: recoveryNotice(left)}, nil
}

// recoveryNotice tells the user how many recovery codes are left.
func recoveryNotice(left int) string {
	switch left {
	case 0:
		return "You used your last recovery code. Generate new ones on your account page now."
	case 1:
		return "You used a recovery code. 1 code is left."
	}
	return "You used a recovery code. " + strconv.Itoa(left) + " codes are left."
}

// GenerateRecoveryCodes replaces the user's recovery codes with ten new
// ones, returned once and stored only as keyed hashes, and audits
// mfa.recovery_codes_generated with the actor.
func (m *Manager) GenerateRecoveryCodes(ctx context.Context, userID, actor string) ([]string, error) {
	if m.hashSecret == nil {
		return nil, errNoHasher
	}
	codes := make([]string, recoveryCount)
	hashes := make([][]byte, recoveryCount)
	for i := range codes {
		b := make([]byte, recoveryBytes)
		if err := m.readRand(b); err != nil {
			return nil, err
		}
		c := strings.ToLower(recoveryEncoding.EncodeToString(b))[:10]
		codes[i], hashes[i] = c[:5]+"-"+c[5:], m.hashSecret(c)
	}
	secret, err := json.Marshal(hashes)
	if err != nil {
		return nil, err
	}
	now := m.now()
	f := authcore.Factor{ID: recoveryFactorID, UserID: userID, Kind: authcore.FactorRecovery,
		Name: "Recovery codes", Secret: secret, Confirmed: true, CreatedAt: now}
	err = m.store.UpdateFactor(ctx, userID, recoveryFactorID, func(cur authcore.Factor) (authcore.Factor, error) {
		cur.Secret, cur.CreatedAt = secret, now
		return cur, nil
	})
	if errors.Is(err, authcore.ErrNotFound) {
		err = m.store.CreateFactor(ctx, f)
	}
	if err != nil {
		return nil, fmt.Errorf("login: store recovery codes: %w", err)
	}
	m.record(ctx, audit.Event{Type: audit.RecoveryCodesGenerated, Outcome: audit.Success, Subject: userID,
		Actor: actor, Details: map[string]any{"count": recoveryCount}})
	return codes, nil
}

// recoveryFactor returns the user's recovery-code factor.
func (m *Manager) recoveryFactor(ctx context.Context, userID string) (authcore.Factor, error) {
	return m.store.GetFactor(ctx, userID, recoveryFactorID)
}

// recoveryLeft is the number of unused codes of a recovery factor.
func recoveryLeft(f authcore.Factor) int {
	var hashes [][]byte
	if json.Unmarshal(f.Secret, &hashes) != nil {
		return 0
	}
	return len(hashes)
}
