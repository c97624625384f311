package login

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestCreateUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if !uuidRE.MatchString(e.alice.ID) || e.alice.Username != "alice" {
		t.Fatalf("alice = %+v", e.alice)
	}
	stored, err := e.store.GetUser(ctx, e.alice.ID)
	must(t, err)
	if !strings.HasPrefix(stored.PasswordHash, "$argon2id$v=19$") || strings.Contains(stored.PasswordHash, alicePassword) {
		t.Fatalf("stored hash %q", stored.PasswordHash)
	}
	if len(e.rec.Of(audit.UserCreated)) != 1 {
		t.Fatalf("events %s", e.rec.String())
	}
	_, err = e.m.CreateUser(ctx, UserSpec{Username: "ALICE", Password: "another password"})
	if !errors.Is(err, authcore.ErrAlreadyExists) {
		t.Fatalf("duplicate username: %v", err)
	}
}

func TestCreateUserValidation(t *testing.T) {
	e := newEnv(t)
	ok := UserSpec{Username: "carol", Email: "carol@example.com", DisplayName: "Carol", Password: "long enough"}
	tests := []struct {
		name string
		edit func(*UserSpec)
		want error
	}{
		{"empty username", func(s *UserSpec) { s.Username = "" }, ErrInvalidUser},
		{"long username", func(s *UserSpec) { s.Username = strings.Repeat("a", 65) }, ErrInvalidUser},
		{"space", func(s *UserSpec) { s.Username = "car ol" }, ErrInvalidUser},
		{"slash", func(s *UserSpec) { s.Username = "car/ol" }, ErrInvalidUser},
		{"leading dot", func(s *UserSpec) { s.Username = ".carol" }, ErrInvalidUser},
		{"markup", func(s *UserSpec) { s.Username = "<script>" }, ErrInvalidUser},
		{"unicode", func(s *UserSpec) { s.Username = "cаrol" }, ErrInvalidUser},
		{"email with name", func(s *UserSpec) { s.Email = "Carol <carol@example.com>" }, ErrInvalidUser},
		{"email junk", func(s *UserSpec) { s.Email = "carol" }, ErrInvalidUser},
		{"display control", func(s *UserSpec) { s.DisplayName = "Carol\nAdmin" }, ErrInvalidUser},
		{"short password", func(s *UserSpec) { s.Password = "1234567" }, ErrWeakPassword},
		{"huge password", func(s *UserSpec) { s.Password = strings.Repeat("x", 2000) }, ErrWeakPassword},
	}
	for _, tc := range tests {
		spec := ok
		tc.edit(&spec)
		if _, err := e.m.CreateUser(context.Background(), spec); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := e.m.CreateUser(context.Background(), ok); err != nil {
		t.Fatalf("control: %v", err)
	}
	// Eight characters, counted as characters, not bytes.
	ok.Username, ok.Password = "dave", "ééééééé"
	if _, err := e.m.CreateUser(context.Background(), ok); !errors.Is(err, ErrWeakPassword) {
		t.Fatalf("7 two-byte characters accepted: %v", err)
	}
}

func TestSetPasswordEndsSessions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.browser()
	e.login(c, testReturn)
	if err := e.m.SetPassword(ctx, e.alice.ID, "short"); !errors.Is(err, ErrWeakPassword) {
		t.Fatalf("weak: %v", err)
	}
	must(t, e.m.SetPassword(ctx, e.alice.ID, "a brand new password"))
	if n, _ := e.m.ListSessions(ctx, e.alice.ID); len(n) != 0 {
		t.Fatalf("sessions survived a password change: %v", n)
	}
	if _, err := e.m.Authenticate(ctx, "alice", alicePassword); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("old password: %v", err)
	}
	if _, err := e.m.Authenticate(ctx, "alice", "a brand new password"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if err := e.m.SetPassword(ctx, "no-such-id", "a brand new password"); !errors.Is(err, authcore.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestSessionsService(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c1, c2, c3 := e.browser(), e.browser(), e.browser()
	for _, c := range []*http.Client{c1, c2, c3} {
		e.login(c, testReturn)
	}
	list, err := e.m.ListSessions(ctx, e.alice.ID)
	if err != nil || len(list) != 3 {
		t.Fatalf("ListSessions = %d, %v", len(list), err)
	}
	must(t, e.m.EndSession(ctx, list[0].ID))
	if err := e.m.EndSession(ctx, list[0].ID); !errors.Is(err, authcore.ErrNotFound) {
		t.Fatalf("ending twice: %v", err)
	}
	n, err := e.m.EndAllSessions(ctx, e.alice.ID)
	if err != nil || n != 2 {
		t.Fatalf("EndAllSessions = %d, %v", n, err)
	}
	if got := len(e.rec.Of(audit.SessionEnded)); got != 3 {
		t.Fatalf("%d session.ended events", got)
	}
	for _, c := range []*http.Client{c1, c2, c3} {
		if resp, _ := e.get(c, "/authorize?client_id=c1"); resp.StatusCode != 303 {
			t.Fatalf("ended session still works: %d", resp.StatusCode)
		}
	}
}

func TestDisabledUserLosesSession(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	e.login(c, testReturn)
	if resp, _ := e.get(c, testReturn); resp.StatusCode != 204 {
		t.Fatalf("signed in: %d", resp.StatusCode)
	}
	must(t, e.m.SetDisabled(context.Background(), e.alice.ID, true))
	if resp, _ := e.get(c, testReturn); resp.StatusCode != 303 {
		t.Fatalf("disabled user still signed in: %d", resp.StatusCode)
	}
}

func TestSessionExpires(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	e.login(c, testReturn)
	e.clock.Advance(DefaultSessionTTL - 1)
	if resp, _ := e.get(c, testReturn); resp.StatusCode != 204 {
		t.Fatalf("before expiry: %d", resp.StatusCode)
	}
	e.clock.Advance(1)
	if resp, _ := e.get(c, testReturn); resp.StatusCode != 303 {
		t.Fatalf("after expiry: %d", resp.StatusCode)
	}
}
