package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// errFn is what the suite's failing updater closures return.
var errFn = errors.New("storetest: updater refused")

func newClient(id string, now time.Time) authcore.Client {
	return authcore.Client{
		ID:                        id,
		Name:                      "Client " + id,
		Type:                      authcore.Confidential,
		RedirectURIs:              []string{"https://app.example/cb", "http://127.0.0.1/cb"},
		GrantTypes:                []string{authcore.GrantAuthorizationCode, authcore.GrantRefreshToken},
		Scopes:                    []string{"openid", "profile"},
		Audience:                  []string{"https://api.example"},
		AuthorizationDetailsTypes: []string{"payment_initiation", "account_information"},
		AuthMethod:                authcore.AuthPrivateKeyJWT,
		JWKS:                      `{"keys":[]}`,
		JWKSURI:                   "https://app.example/jwks",
		SecretHash:                []byte{1, 2, 3, 0, 255},
		PrevSecretHash:            []byte{9, 9},
		PrevSecretExpires:         now.Add(time.Hour),
		AccessTokenTTL:            5 * time.Minute,
		RefreshTokenTTL:           24 * time.Hour,

		IDTokenSignedResponseAlg:              "PS256",
		AuthorizationSignedResponseAlg:        "EdDSA",
		PostLogoutRedirectURIs:                []string{"https://app.example/bye"},
		BackchannelLogoutURI:                  "https://app.example/backchannel",
		BackchannelLogoutSessionRequired:      true,
		FrontchannelLogoutURI:                 "https://app.example/frontchannel",
		FrontchannelLogoutSessionRequired:     true,
		BackchannelTokenDeliveryMode:          authcore.CIBAPing,
		BackchannelClientNotificationEndpoint: "https://app.example/ciba",
		CreatedAt:                             now,
		UpdatedAt:                             now,
	}
}

func testClients(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	a, b := newClient("c/a", now), newClient("c1", now)
	must(t, "CreateClient a", s.CreateClient(ctx, a))
	must(t, "CreateClient b", s.CreateClient(ctx, b))
	wantErr(t, "CreateClient again", s.CreateClient(ctx, a), authcore.ErrAlreadyExists)

	got, err := s.GetClient(ctx, a.ID)
	must(t, "GetClient", err)
	same(t, "GetClient", got, a)
	_, err = s.GetClient(ctx, "nobody")
	wantErr(t, "GetClient unknown", err, authcore.ErrNotFound)

	all, err := s.ListClients(ctx)
	must(t, "ListClients", err)
	if len(all) != 2 {
		t.Fatalf("ListClients: got %d clients, want 2", len(all))
	}

	err = s.UpdateClient(ctx, a.ID, func(c authcore.Client) (authcore.Client, error) {
		c.Name = "renamed"
		c.RedirectURIs = append(c.RedirectURIs, "https://app.example/cb2")
		return c, nil
	})
	must(t, "UpdateClient", err)
	want := a
	want.Name = "renamed"
	want.RedirectURIs = []string{"https://app.example/cb", "http://127.0.0.1/cb", "https://app.example/cb2"}
	got, err = s.GetClient(ctx, a.ID)
	must(t, "GetClient after update", err)
	same(t, "GetClient after update", got, want)

	err = s.UpdateClient(ctx, a.ID, func(c authcore.Client) (authcore.Client, error) {
		c.Name = "must not stick"
		return c, errFn
	})
	wantErr(t, "UpdateClient with failing fn", err, errFn)
	got, _ = s.GetClient(ctx, a.ID)
	same(t, "GetClient after failed update", got, want)

	err = s.UpdateClient(ctx, "nobody", func(c authcore.Client) (authcore.Client, error) { return c, nil })
	wantErr(t, "UpdateClient unknown", err, authcore.ErrNotFound)

	must(t, "DeleteClient", s.DeleteClient(ctx, a.ID))
	_, err = s.GetClient(ctx, a.ID)
	wantErr(t, "GetClient after delete", err, authcore.ErrNotFound)
	wantErr(t, "DeleteClient again", s.DeleteClient(ctx, a.ID), authcore.ErrNotFound)
	all, _ = s.ListClients(ctx)
	same(t, "ListClients after delete", all, []authcore.Client{b})
}

func newUser(id, username string, now time.Time) authcore.User {
	return authcore.User{
		ID: id, Username: username, Email: username + "@example.com",
		DisplayName: "User " + username, PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		Admin: true, FailedLogins: []time.Time{now.Add(-time.Minute), now},
		LockedUntil: now.Add(time.Minute), CreatedAt: now, UpdatedAt: now,
	}
}

func testUsers(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	u := newUser("u1", "alice", now)
	must(t, "CreateUser", s.CreateUser(ctx, u))
	wantErr(t, "CreateUser same ID", s.CreateUser(ctx, newUser("u1", "other", now)), authcore.ErrAlreadyExists)

	got, err := s.GetUser(ctx, "u1")
	must(t, "GetUser", err)
	same(t, "GetUser", got, u)
	got, err = s.GetUserByUsername(ctx, "alice")
	must(t, "GetUserByUsername", err)
	same(t, "GetUserByUsername", got, u)
	_, err = s.GetUserByUsername(ctx, "nobody")
	wantErr(t, "GetUserByUsername unknown", err, authcore.ErrNotFound)

	err = s.UpdateUser(ctx, "u1", func(u authcore.User) (authcore.User, error) {
		u.Disabled = true
		return u, errFn
	})
	wantErr(t, "UpdateUser with failing fn", err, errFn)
	got, _ = s.GetUser(ctx, "u1")
	same(t, "GetUser after failed update", got, u)

	err = s.UpdateUser(ctx, "u1", func(u authcore.User) (authcore.User, error) {
		u.Username, u.Disabled, u.FailedLogins = "alicia", true, nil
		return u, nil
	})
	must(t, "UpdateUser rename", err)
	_, err = s.GetUserByUsername(ctx, "alice")
	wantErr(t, "old username after rename", err, authcore.ErrNotFound)
	got, err = s.GetUserByUsername(ctx, "alicia")
	must(t, "new username after rename", err)
	if !got.Disabled || got.ID != "u1" || len(got.FailedLogins) != 0 {
		t.Errorf("after update: got %+v", got)
	}
	err = s.UpdateUser(ctx, "nobody", func(u authcore.User) (authcore.User, error) { return u, nil })
	wantErr(t, "UpdateUser unknown", err, authcore.ErrNotFound)

	must(t, "CreateUser u2", s.CreateUser(ctx, newUser("u2", "bob", now)))
	all, err := s.ListUsers(ctx)
	must(t, "ListUsers", err)
	if len(all) != 2 {
		t.Errorf("ListUsers: got %d users, want 2", len(all))
	}
	must(t, "DeleteUser", s.DeleteUser(ctx, "u1"))
	_, err = s.GetUser(ctx, "u1")
	wantErr(t, "GetUser after delete", err, authcore.ErrNotFound)
	_, err = s.GetUserByUsername(ctx, "alicia")
	wantErr(t, "GetUserByUsername after delete", err, authcore.ErrNotFound)
	wantErr(t, "DeleteUser again", s.DeleteUser(ctx, "u1"), authcore.ErrNotFound)
	must(t, "username free again after delete", s.CreateUser(ctx, newUser("u3", "alicia", now)))
}

func testUsernameUnique(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	must(t, "CreateUser alice", s.CreateUser(ctx, newUser("u1", "alice", now)))
	must(t, "CreateUser bob", s.CreateUser(ctx, newUser("u2", "bob", now)))
	wantErr(t, "CreateUser taken username", s.CreateUser(ctx, newUser("u3", "alice", now)), authcore.ErrAlreadyExists)
	_, err := s.GetUser(ctx, "u3")
	wantErr(t, "user of failed create", err, authcore.ErrNotFound)

	err = s.UpdateUser(ctx, "u2", func(u authcore.User) (authcore.User, error) {
		u.Username = "alice"
		return u, nil
	})
	wantErr(t, "rename onto a taken username", err, authcore.ErrAlreadyExists)
	got, err := s.GetUserByUsername(ctx, "alice")
	must(t, "GetUserByUsername alice", err)
	if got.ID != "u1" {
		t.Errorf("alice belongs to %q after failed rename, want u1", got.ID)
	}
	got, err = s.GetUserByUsername(ctx, "bob")
	must(t, "GetUserByUsername bob", err)
	if got.ID != "u2" {
		t.Errorf("bob belongs to %q after failed rename, want u2", got.ID)
	}
}
