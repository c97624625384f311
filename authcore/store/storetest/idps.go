package storetest

import (
	"sync"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// testIdentityProviders checks the provider records: round trip of every
// field, unique ID and issuer, the issuer index moving on update, and
// delete.
func testIdentityProviders(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	p := authcore.IdentityProvider{ID: "corp", Issuer: "https://idp.example", DisplayName: "Corp",
		ClientID: "latchkey", ClientSecret: "s3cret", Audiences: []string{"app1", "app2"},
		Algorithms: []string{"RS256"}, Claims: authcore.ClaimMapping{Subject: "oid", Email: "mail", Name: "name", Groups: "roles"},
		Scopes: []string{"orders:read"}, Resources: []string{"https://api.example"},
		Provisioning: authcore.ProvisionCreate, Enabled: true, CreatedAt: now, UpdatedAt: now}
	must(t, "CreateIdentityProvider", s.CreateIdentityProvider(ctx, p))
	got, err := s.GetIdentityProvider(ctx, "corp")
	must(t, "GetIdentityProvider", err)
	same(t, "GetIdentityProvider", got, p)
	wantErr(t, "same ID", s.CreateIdentityProvider(ctx, authcore.IdentityProvider{ID: "corp", Issuer: "https://other.example"}), authcore.ErrAlreadyExists)
	wantErr(t, "same issuer", s.CreateIdentityProvider(ctx, authcore.IdentityProvider{ID: "corp2", Issuer: p.Issuer}), authcore.ErrAlreadyExists)
	must(t, "second provider", s.CreateIdentityProvider(ctx, authcore.IdentityProvider{ID: "b", Issuer: "https://b.example"}))
	all, err := s.ListIdentityProviders(ctx)
	must(t, "ListIdentityProviders", err)
	if len(all) != 2 || all[0].ID != "b" || all[1].ID != "corp" {
		t.Errorf("ListIdentityProviders = %+v", all)
	}
	wantErr(t, "update to a taken issuer", s.UpdateIdentityProvider(ctx, "b", func(q authcore.IdentityProvider) (authcore.IdentityProvider, error) {
		q.Issuer = p.Issuer
		return q, nil
	}), authcore.ErrAlreadyExists)
	must(t, "move issuer", s.UpdateIdentityProvider(ctx, "corp", func(q authcore.IdentityProvider) (authcore.IdentityProvider, error) {
		q.Issuer, q.Enabled = "https://new.example", false
		return q, nil
	}))
	must(t, "old issuer is free", s.CreateIdentityProvider(ctx, authcore.IdentityProvider{ID: "c", Issuer: p.Issuer}))
	got, _ = s.GetIdentityProvider(ctx, "corp")
	if got.Issuer != "https://new.example" || got.Enabled {
		t.Errorf("after update: %+v", got)
	}
	must(t, "DeleteIdentityProvider", s.DeleteIdentityProvider(ctx, "corp"))
	_, err = s.GetIdentityProvider(ctx, "corp")
	wantErr(t, "get after delete", err, authcore.ErrNotFound)
	wantErr(t, "delete again", s.DeleteIdentityProvider(ctx, "corp"), authcore.ErrNotFound)
	must(t, "issuer free after delete", s.CreateIdentityProvider(ctx, authcore.IdentityProvider{ID: "d", Issuer: "https://new.example"}))
}

// testFederatedLinks checks links: provisioning a user with its link in
// one step, exactly one winner among concurrent first uses, links to
// existing users, listing by user, and removal with the user.
func testFederatedLinks(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	iss := "https://idp.example"
	_, err := s.GetFederatedLink(ctx, iss, "ext/1")
	wantErr(t, "unknown link", err, authcore.ErrNotFound)

	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "u" + string(rune('a'+i))
			u := authcore.User{ID: id, Username: "fed-" + id, CreatedAt: now, UpdatedAt: now}
			errs[i] = s.CreateFederatedLink(ctx, authcore.FederatedLink{Issuer: iss, Subject: "ext/1", UserID: id, ProviderID: "corp", CreatedAt: now}, &u)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else {
			wantErr(t, "losing first use", err, authcore.ErrAlreadyExists)
		}
	}
	if wins != 1 {
		t.Fatalf("%d concurrent first uses won, want 1", wins)
	}
	l, err := s.GetFederatedLink(ctx, iss, "ext/1")
	must(t, "GetFederatedLink", err)
	if _, err := s.GetUser(ctx, l.UserID); err != nil {
		t.Fatalf("winner's user: %v", err)
	}
	users, _ := s.ListUsers(ctx)
	if len(users) != 1 {
		t.Errorf("%d users after the race, want 1 (losers must write nothing)", len(users))
	}
	wantErr(t, "link to a missing user", s.CreateFederatedLink(ctx, authcore.FederatedLink{Issuer: iss, Subject: "ext/2", UserID: "nobody"}, nil), authcore.ErrNotFound)
	must(t, "link an existing user", s.CreateFederatedLink(ctx, authcore.FederatedLink{Issuer: "https://b.example", Subject: "x", UserID: l.UserID, CreatedAt: now}, nil))
	links, err := s.ListFederatedLinks(ctx, l.UserID)
	must(t, "ListFederatedLinks", err)
	if len(links) != 2 || links[0].Issuer != "https://b.example" || links[1].Subject != "ext/1" {
		t.Errorf("ListFederatedLinks = %+v", links)
	}
	must(t, "DeleteUser", s.DeleteUser(ctx, l.UserID))
	_, err = s.GetFederatedLink(ctx, iss, "ext/1")
	wantErr(t, "link after user deleted", err, authcore.ErrNotFound)
}
