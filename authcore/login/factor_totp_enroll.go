package login

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// enrollTTL is how long a started enrollment may be confirmed.
const enrollTTL = 15 * time.Minute

// totpSecretBytes is the key size: 160 bits, RFC 4226 §4's recommendation.
const totpSecretBytes = 20

// ErrEnrollment: the enrollment is unknown, already confirmed or expired.
var ErrEnrollment = errors.New("login: no such enrollment in progress")

// TOTPEnrollment is a started authenticator-app enrollment: what the
// user scans or types. It is shown once; the secret is stored encrypted.
type TOTPEnrollment struct {
	FactorID string
	// Secret is the base32 key for manual entry.
	Secret string
	// URL is the otpauth:// key URI the QR code holds.
	URL string
	// QRCode is a PNG of URL as a data: URL, for an <img src>.
	QRCode string
}

// BeginTOTPEnrollment creates an unconfirmed TOTP factor for u (dropping
// any earlier unconfirmed one) and returns what the user needs to add it
// to an authenticator app. ConfirmTOTPEnrollment completes it.
func (m *Manager) BeginTOTPEnrollment(ctx context.Context, u authcore.User) (TOTPEnrollment, error) {
	all, err := m.store.ListFactors(ctx, u.ID)
	if err != nil {
		return TOTPEnrollment{}, fmt.Errorf("login: list factors: %w", err)
	}
	for _, f := range all {
		if f.Kind == authcore.FactorTOTP && !f.Confirmed {
			if err := m.store.DeleteFactor(ctx, u.ID, f.ID); err != nil && !errors.Is(err, authcore.ErrNotFound) {
				return TOTPEnrollment{}, fmt.Errorf("login: drop stale enrollment: %w", err)
			}
		}
	}
	raw := make([]byte, totpSecretBytes)
	if err := m.readRand(raw); err != nil {
		return TOTPEnrollment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: m.totpIssuer(), AccountName: u.Username,
		Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, Secret: raw})
	if err != nil {
		return TOTPEnrollment{}, fmt.Errorf("login: totp key: %w", err)
	}
	png, err := qrcode.Encode(key.URL(), qrcode.Medium, 256)
	if err != nil {
		return TOTPEnrollment{}, fmt.Errorf("login: qr code: %w", err)
	}
	id, err := m.randomString(12)
	if err != nil {
		return TOTPEnrollment{}, err
	}
	f := authcore.Factor{ID: id, UserID: u.ID, Kind: authcore.FactorTOTP, Name: "Authenticator app",
		Secret: []byte(key.Secret()), CreatedAt: m.now()}
	if err := m.store.CreateFactor(ctx, f); err != nil {
		return TOTPEnrollment{}, fmt.Errorf("login: store enrollment: %w", err)
	}
	return TOTPEnrollment{FactorID: id, Secret: key.Secret(), URL: key.URL(),
		QRCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)}, nil
}

// ConfirmTOTPEnrollment completes the enrollment factorID of user
// userID with the first code from the app (the code's step is then
// spent), names the factor (when name is not empty), and audits
// mfa.enrolled. A user who had no recovery codes gets ten, returned once;
// otherwise codes is nil. A wrong code is ErrSecondFactor; an unknown,
// confirmed or expired enrollment ErrEnrollment.
func (m *Manager) ConfirmTOTPEnrollment(ctx context.Context, userID, factorID, name, code string) (codes []string, err error) {
	f, err := m.store.GetFactor(ctx, userID, factorID)
	if errors.Is(err, authcore.ErrNotFound) || err == nil &&
		(f.Kind != authcore.FactorTOTP || f.Confirmed || !m.now().Before(f.CreatedAt.Add(enrollTTL))) {
		return nil, ErrEnrollment
	}
	if err != nil {
		return nil, fmt.Errorf("login: read enrollment: %w", err)
	}
	step, ok := matchTOTP(string(f.Secret), normalizeCode(code), m.now())
	if !ok {
		return nil, ErrSecondFactor
	}
	if _, err := m.useStep(ctx, f, step); err != nil {
		if errors.Is(err, errStepUsed) {
			return nil, ErrSecondFactor
		}
		return nil, err
	}
	if name = truncateUTF8(name, 64); name != "" && validateDisplayName(name) == nil {
		_ = m.store.UpdateFactor(ctx, userID, factorID, func(cur authcore.Factor) (authcore.Factor, error) {
			cur.Name = name
			return cur, nil
		})
	}
	m.record(ctx, audit.Event{Type: audit.MFAEnrolled, Outcome: audit.Success, Subject: userID, Actor: userID,
		Details: map[string]any{"kind": string(authcore.FactorTOTP), "factor": factorID}})
	if _, err := m.recoveryFactor(ctx, userID); errors.Is(err, authcore.ErrNotFound) {
		return m.GenerateRecoveryCodes(ctx, userID, userID)
	} else if err != nil {
		return nil, err
	}
	return nil, nil
}

// SetTOTPIssuer sets the name authenticator apps show for this server's
// codes. Call it before serving.
func (m *Manager) SetTOTPIssuer(name string) { m.cfg.TOTPIssuer = name }

// totpIssuer is the issuer label authenticator apps show.
func (m *Manager) totpIssuer() string {
	if m.cfg.TOTPIssuer != "" {
		return m.cfg.TOTPIssuer
	}
	return "Latchkey"
}
