package login

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/latchkey/latchkey/authcore"
)

// TOTP parameters (RFC 6238): what every authenticator app supports.
const (
	totpPeriod = 30 // seconds per step
	totpSkew   = 1  // steps accepted either side of now
	totpDigits = otp.DigitsSix
)

// totpOpts are the code parameters of every TOTP factor.
var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}

// errStepUsed: the code's time step was already accepted (a replay).
var errStepUsed = errors.New("login: one-time code already used")

// totpFactor is the authenticator-app second factor. Factor.Secret is
// the base32 key; Factor.Counter the last accepted time step, so a code
// is accepted once, and no older code after it.
type totpFactor struct{ m *Manager }

func (totpFactor) Kind() authcore.FactorKind { return authcore.FactorTOTP }

func (totpFactor) Prompt(context.Context, Challenge, []authcore.Factor) (FactorPrompt, error) {
	return FactorPrompt{Kind: authcore.FactorTOTP, Label: "Authenticator app", CodeField: true}, nil
}

// Verify accepts a code of the current step or one step either side, of
// any of the user's TOTP factors, and records its step atomically.
func (t totpFactor) Verify(ctx context.Context, _ Challenge, factors []authcore.Factor, form url.Values) (Verified, error) {
	code := normalizeCode(form.Get("code"))
	for _, f := range factors {
		step, ok := matchTOTP(string(f.Secret), code, t.m.now())
		if !ok {
			continue
		}
		used, err := t.m.useStep(ctx, f, step)
		if errors.Is(err, errStepUsed) {
			return Verified{}, ErrSecondFactor
		}
		if err != nil {
			return Verified{}, err
		}
		return Verified{Factor: used, AMR: []string{authcore.AMROTP}}, nil
	}
	return Verified{}, ErrSecondFactor
}

// useStep records that f accepted step, unless that step or a later one
// was accepted before (then errStepUsed). The check and the write are
// one store transaction, so of concurrent uses of one code one wins.
func (m *Manager) useStep(ctx context.Context, f authcore.Factor, step int64) (authcore.Factor, error) {
	now := m.now()
	var out authcore.Factor
	err := m.store.UpdateFactor(ctx, f.UserID, f.ID, func(cur authcore.Factor) (authcore.Factor, error) {
		if step <= cur.Counter {
			return cur, errStepUsed
		}
		cur.Counter, cur.LastUsedAt, cur.Confirmed = step, now, true
		out = cur
		return cur, nil
	})
	if err != nil && !errors.Is(err, errStepUsed) {
		return authcore.Factor{}, fmt.Errorf("login: record code use: %w", err)
	}
	return out, err
}

// matchTOTP compares code with the codes of secret for the steps around
// now (computed by the otp library), in constant time, and returns the
// matching step.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	if len(code) != totpDigits.Length() || secret == "" {
		return 0, false
	}
	var step int64
	found := 0
	for d := -totpSkew; d <= totpSkew; d++ {
		t := now.Add(time.Duration(d*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && found == 0 {
			step, found = t.Unix()/totpPeriod, 1
		}
	}
	return step, found == 1
}

// normalizeCode drops the spaces and dashes people type into codes and
// lower-cases them.
func normalizeCode(s string) string {
	if len(s) > 64 {
		return ""
	}
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s))
}
