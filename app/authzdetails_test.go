package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore"
)

// The console manages authorization_details types (RFC 9396): create,
// a refused schema with its reason (400, not 500), update, list, a
// client allowed the type, the details of a grant in the inventory,
// delete.
func TestDetailTypesConsole(t *testing.T) {
	a, srv := newAppServer(t)
	in := app.DetailTypeInput{Type: "payment_initiation", Description: "Payments",
		Schema: `{"type":"object"}`, ConsentTemplate: "Pay {{amount}}"}
	if _, err := a.CreateAuthorizationDetailType(in); err != nil {
		t.Fatal(err)
	}
	bad := in
	bad.Type, bad.Schema = "other", `{"type":"banana"}`
	_, err := a.CreateAuthorizationDetailType(bad)
	var ae *app.Error
	if !asError(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(ae.Message, "JSON Schema") {
		t.Errorf("bad schema: %v", err)
	}
	in.ConsentTemplate = "Pay {{amount}} {{currency}}"
	if got, err := a.UpdateAuthorizationDetailType(in); err != nil || got.ConsentTemplate != in.ConsentTemplate {
		t.Fatalf("update: %+v %v", got, err)
	}
	if list, err := a.ListAuthorizationDetailTypes(); err != nil || len(list) != 1 || list[0].Description != "Payments" {
		t.Fatalf("list: %+v %v", list, err)
	}
	c, err := a.CreateClient(app.ClientInput{Name: "Shop", RedirectURIs: []string{"https://shop.example/cb"},
		Scope: "openid", AuthorizationDetailsTypes: []string{"payment_initiation"}})
	if err != nil || len(c.DetailsTypes) != 1 {
		t.Fatalf("client: %+v %v", c, err)
	}
	now := time.Now()
	details := `[{"amount":"1.00","type":"payment_initiation"}]`
	if err := srv.Store.CreateGrant(context.Background(), authcore.Grant{ID: "g1", ClientID: c.ID, UserID: "u1",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour), AuthorizationDetails: details}, nil); err != nil {
		t.Fatal(err)
	}
	grants, err := a.ListGrants(app.GrantFilter{})
	if err != nil || len(grants) != 1 || grants[0].AuthorizationDetails != details {
		t.Fatalf("grants: %+v %v", grants, err)
	}
	if err := a.DeleteAuthorizationDetailType("payment_initiation"); err != nil {
		t.Fatal(err)
	}
	if list, _ := a.ListAuthorizationDetailTypes(); len(list) != 0 {
		t.Errorf("after delete: %+v", list)
	}
}
