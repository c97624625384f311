package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/audit"
)

// TestQueryAuditNamesUsersAndClients: the Audit log screen shows people and
// applications by name, so a page carries the username and client name of
// every id its events mention, and nothing for ids that name neither.
func TestQueryAuditNamesUsersAndClients(t *testing.T) {
	a, _, alog := newAppLog(t, app.Info{Issuer: issuer, Mode: "serve"})
	u, err := a.CreateUser(app.UserInput{Username: "alice", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.CreateClient(app.ClientInput{Name: "Billing", Type: "confidential",
		GrantTypes: []string{"client_credentials"}, Scope: "openid"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, e := range []audit.Event{
		{Type: audit.CodeIssued, Actor: u.ID, Subject: u.ID, ClientID: c.ID},
		{Type: audit.TokenRevoked, Actor: c.ID, ClientID: c.ID},
		{Type: audit.TokenRevoked, Actor: "cli", Subject: "gone-user-id", ClientID: "gone-client"},
	} {
		e.Time, e.Outcome = time.Now(), audit.Success
		if err := alog.RecordSync(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	page, err := a.QueryAudit(app.AuditFilter{Types: []string{string(audit.CodeIssued), string(audit.TokenRevoked)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 3 {
		t.Fatalf("got %d events, want 3", len(page.Events))
	}
	want := map[string]string{u.ID: "alice", c.ID: "Billing"}
	if len(page.Names) != len(want) {
		t.Errorf("names = %v, want %v", page.Names, want)
	}
	for id, name := range want {
		if page.Names[id] != name {
			t.Errorf("names[%s] = %q, want %q", id, page.Names[id], name)
		}
	}
}
