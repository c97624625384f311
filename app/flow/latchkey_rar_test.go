package flow

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// A registered RFC 9396 type and a payment within its schema.
const (
	lkPaySchema = `{"type":"object","required":["type","amount","currency"],
		"properties":{"amount":{"type":"string"},"currency":{"enum":["EUR","USD"]}}}`
	lkPayment = `[{"type":"payment_initiation","amount":"12.50","currency":"EUR"}]`
)

// authorization_details against the real server, in the code flow (the
// consent page shows them; the browser allows) and in client credentials:
// the token step notes the granted details, they equal the request, and
// the access token's claim carries them. A type the client was not given
// is the server's invalid_authorization_details.
func TestLatchkeyAuthorizationDetails(t *testing.T) {
	lk := newLatchkey(t)
	ctx := context.Background()
	if _, err := lk.srv.OAuth.CreateAuthorizationDetailType(ctx, authcore.AuthorizationDetailType{
		Type: "payment_initiation", Schema: lkPaySchema, ConsentTemplate: "Pay {{amount}} {{currency}}"}); err != nil {
		t.Fatal(err)
	}
	web, webKey, err := lk.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Shop",
		RedirectURIs: []string{"http://127.0.0.1/callback"}, Scopes: []string{"openid", "profile"},
		GrantTypes:                []string{authcore.GrantAuthorizationCode, authcore.GrantClientCredentials},
		AuthorizationDetailsTypes: []string{"payment_initiation"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{FlowAuthorizationCode, FlowClientCredentials} {
		tr, err := lk.run(Options{ClientID: web.ID, ClientSecret: webKey, Flow: f, AuthorizationDetails: lkPayment})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if bad := failedChecks(tr); len(bad) > 0 {
			t.Fatalf("%s: failed checks %v", f, bad)
		}
		wantSeverity(t, tr, RuleDetailsGranted, SeverityPass)
		wantSeverity(t, tr, RuleDetailsInToken, SeverityPass)
		last := tr.Steps[len(tr.Steps)-1]
		if !strings.Contains(strings.Join(last.Notes, "\n"), `granted authorization_details: [{"amount":"12.50"`) {
			t.Fatalf("%s: notes %q", f, last.Notes)
		}
	}
	// The service client was given no type: the server refuses.
	_, err = lk.run(Options{ClientID: lk.svc.ID, ClientSecret: lk.svcKey, Flow: FlowClientCredentials,
		AuthorizationDetails: lkPayment})
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Code != "invalid_authorization_details" {
		t.Fatalf("err %v, want invalid_authorization_details", err)
	}
}
