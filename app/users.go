package app

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
)

// UserInput is what the user form and `latchkey user create` send.
type UserInput struct {
	Username    string `json:"username"`
	Email       string `json:"email"`
	DisplayName string `json:"display_name"`
	Password    string `json:"password"`
	Admin       bool   `json:"admin"`
}

// User is a user as the console shows it (never the password hash).
type User struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Email       string `json:"email"`
	DisplayName string `json:"display_name"`
	Admin       bool   `json:"admin"`
	Disabled    bool   `json:"disabled"`
	Locked      bool   `json:"locked"`
	LockedUntil string `json:"locked_until,omitempty"`
	CreatedAt   string `json:"created_at"`
	// RequireMFA: the user must sign in with a second factor;
	// SecondFactor: they have one (users_mfa.go).
	RequireMFA   bool `json:"require_mfa"`
	SecondFactor bool `json:"second_factor"`
}

func (a *App) userDTO(u authcore.User) User {
	out := User{ID: u.ID, Username: u.Username, Email: u.Email, DisplayName: u.DisplayName,
		Admin: u.Admin, Disabled: u.Disabled, CreatedAt: stamp(u.CreatedAt)}
	if u.Locked(a.now()) {
		out.Locked, out.LockedUntil = true, stamp(u.LockedUntil)
	}
	a.mfaOf(u, &out)
	return out
}

// userError shows the login package's validation errors as they are.
func userError(err error) error {
	if msg, ok := authcore.PublicMessage(err, login.ErrWeakPassword, login.ErrInvalidUser); ok {
		return invalid(msg)
	}
	if errors.Is(err, authcore.ErrAlreadyExists) {
		return &Error{Status: http.StatusConflict, Message: "a user with that username already exists"}
	}
	return err
}

// ListUsers returns every user, by username.
func (a *App) ListUsers() ([]User, error) {
	us, err := a.srv.Store.ListUsers(a.ctx("user.list"))
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(us))
	for _, u := range us {
		out = append(out, a.userDTO(u))
	}
	sortBy(out, func(u User) string { return u.Username }, false)
	return out, nil
}

// GetUser finds a user by id or username.
func (a *App) GetUser(idOrName string) (User, error) {
	u, err := a.findUser(a.ctx("user.show"), idOrName)
	if err != nil {
		return User{}, err
	}
	return a.userDTO(u), nil
}

func (a *App) findUser(ctx context.Context, idOrName string) (authcore.User, error) {
	u, err := a.srv.Store.GetUser(ctx, idOrName)
	if errors.Is(err, authcore.ErrNotFound) {
		u, err = a.srv.Store.GetUserByUsername(ctx, idOrName)
	}
	if errors.Is(err, authcore.ErrNotFound) {
		return u, &Error{Status: http.StatusNotFound, Message: "no user " + idOrName}
	}
	return u, err
}

// CreateUser creates a user with a password (argon2id-hashed).
func (a *App) CreateUser(in UserInput) (User, error) {
	return a.createUser(a.ctx("user.create"), in)
}

// createUser creates the user; an administrator also marks first run
// over (console_auth.go).
func (a *App) createUser(ctx context.Context, in UserInput) (User, error) {
	u, err := a.srv.Login.CreateUser(ctx, login.UserSpec{Username: in.Username, Email: in.Email,
		DisplayName: in.DisplayName, Password: in.Password, Admin: in.Admin})
	if err != nil {
		return User{}, userError(err)
	}
	if u.Admin {
		if err := markFirstRunOver(ctx, a.srv.Store); err != nil {
			return User{}, err
		}
	}
	a.adminAction(ctx, "user.create", u.ID)
	return a.userDTO(u), nil
}

// SetUserDisabled disables (or enables) a user; disabling ends their
// sessions. The last enabled administrator cannot be disabled: the
// console would have nobody left to run it.
func (a *App) SetUserDisabled(idOrName string, disabled bool) (User, error) {
	ctx := a.ctx("user.disable")
	a.admins.Lock()
	defer a.admins.Unlock()
	u, err := a.findUser(ctx, idOrName)
	if err != nil {
		return User{}, err
	}
	if disabled {
		if err := a.keepAnAdmin(ctx, u); err != nil {
			return User{}, err
		}
	}
	if err := a.srv.Login.SetDisabled(ctx, u.ID, disabled); err != nil {
		return User{}, userError(err)
	}
	if disabled {
		if _, err := a.srv.Login.EndAllSessions(ctx, u.ID); err != nil {
			return User{}, err
		}
	}
	a.adminAction(ctx, map[bool]string{true: "user.disable", false: "user.enable"}[disabled], u.ID)
	return a.GetUser(u.ID)
}

// keepAnAdmin refuses to take the admin role away from u (disable,
// demote, delete) when u is the last enabled administrator. Callers hold
// a.admins, so two such changes cannot each leave the other as the last.
func (a *App) keepAnAdmin(ctx context.Context, u authcore.User) error {
	if !u.Admin || u.Disabled {
		return nil
	}
	us, err := a.srv.Store.ListUsers(ctx)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(us, func(o authcore.User) bool { return o.ID != u.ID && o.Admin && !o.Disabled }) {
		return nil
	}
	return &Error{Status: http.StatusConflict, Message: u.Username + " is the last enabled administrator; " +
		"make another user an administrator first, or nobody could run this server from the console"}
}

// SetUserPassword replaces a user's password.
func (a *App) SetUserPassword(idOrName, password string) error {
	ctx := a.ctx("user.set_password")
	u, err := a.findUser(ctx, idOrName)
	if err != nil {
		return err
	}
	if err := a.srv.Login.SetPassword(ctx, u.ID, password); err != nil {
		return userError(err)
	}
	a.adminAction(ctx, "user.set_password", u.ID)
	return nil
}

// UnlockUser lifts a lockout after failed logins.
func (a *App) UnlockUser(idOrName string) (User, error) {
	ctx := a.ctx("user.unlock")
	u, err := a.findUser(ctx, idOrName)
	if err != nil {
		return User{}, err
	}
	if err := a.srv.Login.Unlock(ctx, u.ID); err != nil {
		return User{}, err
	}
	a.adminAction(ctx, "user.unlock", u.ID)
	return a.GetUser(u.ID)
}
