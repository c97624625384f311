package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore"
)

// The console shows what each client sees: a pairwise client's grants
// carry its pairwise sub beside the user id, a public client's the user
// id; UserSubjects lists the pairwise clients with their sector and sub,
// and the client detail says pairwise with its sector.
func TestConsolePairwiseSubjects(t *testing.T) {
	a, srv := newAppServer(t)
	ctx := context.Background()
	pw, err := a.CreateClient(app.ClientInput{Name: "Clinic", Type: "public", RedirectURIs: []string{"https://clinic.example/cb"},
		Scope: "openid", SubjectType: authcore.SubjectPairwise})
	if err != nil || pw.SubjectType != "pairwise" || pw.Sector != "clinic.example" {
		t.Fatalf("create pairwise: %+v %v", pw, err)
	}
	pub, err := a.CreateClient(app.ClientInput{Name: "Shop", Type: "public", RedirectURIs: []string{"https://shop.example/cb"}, Scope: "openid"})
	if err != nil || pub.SubjectType != "public" || pub.Sector != "" {
		t.Fatalf("create public: %+v %v", pub, err)
	}
	u, err := a.CreateUser(app.UserInput{Username: "alice", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, c := range []string{pw.ID, pub.ID} {
		if err := srv.Store.CreateGrant(ctx, authcore.Grant{ID: "g-" + c, ClientID: c, UserID: u.ID, CreatedAt: now,
			ExpiresAt: now.Add(time.Hour)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	stored, _ := srv.OAuth.Client(ctx, pw.ID)
	want := srv.OAuth.Subject(stored, u.ID)
	if want == u.ID {
		t.Fatal("pairwise sub is the user id")
	}
	gs, err := a.ListGrants(app.GrantFilter{UserID: u.ID})
	if err != nil || len(gs) != 2 {
		t.Fatalf("grants: %+v %v", gs, err)
	}
	for _, g := range gs {
		if exp := map[string]string{pw.ID: want, pub.ID: u.ID}[g.ClientID]; g.Subject != exp || g.UserID != u.ID {
			t.Errorf("grant of %s: subject %q user %q, want %q", g.ClientID, g.Subject, g.UserID, exp)
		}
	}
	subs, err := a.UserSubjects("alice")
	if err != nil || len(subs) != 1 || subs[0].ClientID != pw.ID || subs[0].Sector != "clinic.example" || subs[0].Subject != want {
		t.Fatalf("UserSubjects: %+v %v", subs, err)
	}
}
