package app_test

import (
	"context"
	"testing"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore"
)

// The console signs in with its own client and matches the access
// token's sub against the user's id, so a console client an admin made
// pairwise (or otherwise changed) locks every admin out until the next
// start: EnsureConsoleClient puts it back.
func TestEnsureConsoleClientRepairs(t *testing.T) {
	ctx := context.Background()
	_, srv := newAppServer(t)
	if err := app.EnsureConsoleClient(ctx, srv); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*authcore.Client){
		"pairwise":      func(c *authcore.Client) { c.SubjectType, c.SectorIdentifierURI = authcore.SubjectPairwise, "" },
		"redirect":      func(c *authcore.Client) { c.RedirectURIs = []string{"https://evil.example/cb"} },
		"confidential":  func(c *authcore.Client) { c.Type, c.AuthMethod = authcore.Confidential, authcore.AuthSecretBasic },
		"grant dropped": func(c *authcore.Client) { c.GrantTypes = nil },
	} {
		err := srv.Store.UpdateClient(ctx, app.ConsoleClientID, func(c authcore.Client) (authcore.Client, error) {
			edit(&c)
			return c, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := app.EnsureConsoleClient(ctx, srv); err != nil {
			t.Fatal(err)
		}
		c, err := srv.Store.GetClient(ctx, app.ConsoleClientID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Pairwise() || c.Type != authcore.Public || len(c.RedirectURIs) != 1 || c.RedirectURIs[0] != srv.Issuer+"/console/" ||
			len(c.GrantTypes) != 1 || c.GrantTypes[0] != authcore.GrantAuthorizationCode {
			t.Errorf("%s: console client not repaired: %+v", name, c)
		}
	}
}
