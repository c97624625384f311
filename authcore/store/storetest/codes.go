package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

func newCode(hash string, now time.Time) authcore.AuthCode {
	return authcore.AuthCode{
		Hash: hash, ClientID: "c1", UserID: "u1", RedirectURI: "https://app.example/cb",
		Scopes: []string{"openid", "profile"}, Audience: []string{"https://api.example"},
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Nonce: "n-0S6_WzA2Mj",
		AuthTime: now.Add(-time.Second), ExpiresAt: now.Add(time.Minute), CreatedAt: now,
		SessionID: "sid-1", ACR: "urn:example:acr", AMR: []string{"pwd", "otp", "mfa"}, Claims: `{"id_token":{"email":null}}`,
		AuthorizationDetails: `[{"type":"payment_initiation","amount":"12.50"}]`,
	}
}

func testAuthCodes(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	c := newCode("h1", now)
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	wantErr(t, "CreateAuthCode again", s.CreateAuthCode(ctx, c), authcore.ErrAlreadyExists)

	got, err := s.ConsumeAuthCode(ctx, "h1", "g1", now)
	must(t, "ConsumeAuthCode", err)
	want := c
	want.Consumed, want.GrantID = true, "g1"
	same(t, "ConsumeAuthCode", got, want)

	got, err = s.ConsumeAuthCode(ctx, "h1", "g2", now.Add(time.Second))
	wantErr(t, "ConsumeAuthCode again", err, authcore.ErrConsumed)
	same(t, "record returned with ErrConsumed", got, want)

	_, err = s.ConsumeAuthCode(ctx, "unknown", "g3", now)
	wantErr(t, "ConsumeAuthCode unknown", err, authcore.ErrNotFound)

	// Expiry is judged by the now passed in, not by when the code was
	// written; a code is valid strictly before its ExpiresAt.
	must(t, "CreateAuthCode h2", s.CreateAuthCode(ctx, newCode("h2", now)))
	_, err = s.ConsumeAuthCode(ctx, "h2", "g4", now.Add(time.Minute))
	wantErr(t, "ConsumeAuthCode at expiry", err, authcore.ErrNotFound)
	_, err = s.ConsumeAuthCode(ctx, "h2", "g4", now.Add(time.Hour))
	wantErr(t, "ConsumeAuthCode after expiry", err, authcore.ErrNotFound)
}
