package app

import (
	"github.com/latchkey/latchkey/authcore"
)

// Factor is one second factor of a user as the console shows it: never
// its secret.
type Factor struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"` // totp, webauthn or recovery
	Name       string `json:"name"`
	Confirmed  bool   `json:"confirmed"`
	CreatedAt  string `json:"created_at"`
	LastUsedAt string `json:"last_used_at,omitempty"`
	// Remaining counts the unused recovery codes (recovery only).
	Remaining int `json:"remaining,omitempty"`
}

// MFACount is the Dashboard's count of users with and without a second
// factor.
type MFACount struct {
	WithSecondFactor    int `json:"with_second_factor"`
	WithoutSecondFactor int `json:"without_second_factor"`
}

// UserFactors lists a user's second factors (by id or username).
func (a *App) UserFactors(idOrName string) ([]Factor, error) {
	ctx := a.ctx("user.mfa.list")
	u, err := a.findUser(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	fs, err := a.srv.Login.Factors(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Factor, 0, len(fs))
	for _, f := range fs {
		out = append(out, Factor{ID: f.ID, Kind: string(f.Kind), Name: f.Name, Confirmed: f.Confirmed,
			CreatedAt: stamp(f.CreatedAt), LastUsedAt: stamp(f.LastUsedAt), Remaining: f.Remaining})
	}
	return out, nil
}

// ResetUserFactors removes every second factor of a user who lost them
// (each removal audited with the console's actor) and reports how many;
// the user enrolls again at the next sign-in if policy requires it.
func (a *App) ResetUserFactors(idOrName string) (int, error) {
	ctx := a.ctx("user.mfa.reset")
	u, err := a.findUser(ctx, idOrName)
	if err != nil {
		return 0, err
	}
	n, err := a.srv.Login.ResetFactors(ctx, u.ID, a.actor())
	if err != nil {
		return n, err
	}
	a.adminAction(ctx, "user.mfa.reset", u.ID)
	return n, nil
}

// SetUserRequireMFA sets whether a user must sign in with a second factor.
func (a *App) SetUserRequireMFA(idOrName string, on bool) (User, error) {
	ctx := a.ctx("user.require_mfa")
	u, err := a.findUser(ctx, idOrName)
	if err != nil {
		return User{}, err
	}
	if err := a.srv.Login.SetRequireMFA(ctx, u.ID, on); err != nil {
		return User{}, err
	}
	a.adminAction(ctx, "user.require_mfa", u.ID)
	return a.GetUser(u.ID)
}

// MFAStatus counts the users with and without a confirmed second factor.
func (a *App) MFAStatus() (MFACount, error) {
	ctx := a.ctx("user.mfa.count")
	us, err := a.srv.Store.ListUsers(ctx)
	if err != nil {
		return MFACount{}, err
	}
	var out MFACount
	for _, u := range us {
		has, err := a.srv.Login.HasSecondFactor(ctx, u.ID)
		if err != nil {
			return MFACount{}, err
		}
		if has {
			out.WithSecondFactor++
		} else {
			out.WithoutSecondFactor++
		}
	}
	return out, nil
}

// mfaOf fills the user DTO's second-factor fields.
func (a *App) mfaOf(u authcore.User, out *User) {
	out.RequireMFA = u.RequireMFA
	if has, err := a.srv.Login.HasSecondFactor(a.ctx("user.show"), u.ID); err == nil {
		out.SecondFactor = has
	}
}
