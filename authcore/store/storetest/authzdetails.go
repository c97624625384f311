package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// testAuthorizationDetailTypes covers the RFC 9396 type registry:
// create, duplicate, get, list in name order, update (the name fixed,
// an updater's error returned), delete.
func testAuthorizationDetailTypes(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	pay := authcore.AuthorizationDetailType{Type: "payment_initiation", Description: "Payments",
		Schema:          `{"type":"object","required":["amount"]}`,
		ConsentTemplate: "Pay {{amount}} {{currency}}", CreatedAt: now, UpdatedAt: now}
	acct := authcore.AuthorizationDetailType{Type: "account_information",
		Schema: `{"type":"object"}`, ConsentTemplate: "Read {{iban}}", CreatedAt: now, UpdatedAt: now}
	for _, d := range []authcore.AuthorizationDetailType{pay, acct} {
		must(t, "CreateAuthorizationDetailType", s.CreateAuthorizationDetailType(ctx, d))
	}
	wantErr(t, "CreateAuthorizationDetailType duplicate", s.CreateAuthorizationDetailType(ctx, pay), authcore.ErrAlreadyExists)

	got, err := s.GetAuthorizationDetailType(ctx, "payment_initiation")
	must(t, "GetAuthorizationDetailType", err)
	same(t, "GetAuthorizationDetailType", got, pay)
	_, err = s.GetAuthorizationDetailType(ctx, "nope")
	wantErr(t, "GetAuthorizationDetailType unknown", err, authcore.ErrNotFound)

	list, err := s.ListAuthorizationDetailTypes(ctx)
	must(t, "ListAuthorizationDetailTypes", err)
	same(t, "ListAuthorizationDetailTypes", list, []authcore.AuthorizationDetailType{acct, pay})

	later := now.Add(time.Minute)
	must(t, "UpdateAuthorizationDetailType", s.UpdateAuthorizationDetailType(ctx, "payment_initiation",
		func(d authcore.AuthorizationDetailType) (authcore.AuthorizationDetailType, error) {
			d.ConsentTemplate, d.UpdatedAt = "Pay {{amount}}", later
			return d, nil
		}))
	got, _ = s.GetAuthorizationDetailType(ctx, "payment_initiation")
	want := pay
	want.ConsentTemplate, want.UpdatedAt = "Pay {{amount}}", later
	same(t, "after UpdateAuthorizationDetailType", got, want)

	sentinel := errors.New("no")
	err = s.UpdateAuthorizationDetailType(ctx, "payment_initiation",
		func(d authcore.AuthorizationDetailType) (authcore.AuthorizationDetailType, error) { return d, sentinel })
	wantErr(t, "UpdateAuthorizationDetailType updater error", err, sentinel)
	err = s.UpdateAuthorizationDetailType(ctx, "payment_initiation",
		func(d authcore.AuthorizationDetailType) (authcore.AuthorizationDetailType, error) {
			d.Type = "renamed"
			return d, nil
		})
	if err == nil {
		t.Error("UpdateAuthorizationDetailType renaming: no error")
	}
	err = s.UpdateAuthorizationDetailType(ctx, "nope",
		func(d authcore.AuthorizationDetailType) (authcore.AuthorizationDetailType, error) { return d, nil })
	wantErr(t, "UpdateAuthorizationDetailType unknown", err, authcore.ErrNotFound)

	must(t, "DeleteAuthorizationDetailType", s.DeleteAuthorizationDetailType(ctx, "account_information"))
	wantErr(t, "DeleteAuthorizationDetailType again", s.DeleteAuthorizationDetailType(ctx, "account_information"), authcore.ErrNotFound)
	list, _ = s.ListAuthorizationDetailTypes(ctx)
	same(t, "ListAuthorizationDetailTypes after delete", list, []authcore.AuthorizationDetailType{want})
}
