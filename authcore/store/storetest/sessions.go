package storetest

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

func testConsents(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	// "u" and "u/x" must not see each other's consents, however the
	// backend builds its keys.
	c1 := authcore.Consent{UserID: "u", ClientID: "c1", Scopes: []string{"openid"}, CreatedAt: now}
	c2 := authcore.Consent{UserID: "u", ClientID: "c2", Scopes: []string{"openid", "email"}, CreatedAt: now}
	other := authcore.Consent{UserID: "u/x", ClientID: "c1", Scopes: []string{"profile"}, CreatedAt: now}
	for _, c := range []authcore.Consent{c1, c2, other} {
		must(t, "SaveConsent", s.SaveConsent(ctx, c))
	}
	got, err := s.GetConsent(ctx, "u", "c1")
	must(t, "GetConsent", err)
	same(t, "GetConsent", got, c1)
	_, err = s.GetConsent(ctx, "u", "c3")
	wantErr(t, "GetConsent unknown", err, authcore.ErrNotFound)

	c1.Scopes = []string{"openid", "profile"}
	must(t, "SaveConsent replace", s.SaveConsent(ctx, c1))
	list, err := s.ListConsents(ctx, "u")
	must(t, "ListConsents", err)
	same(t, "ListConsents", sorted(list, func(c authcore.Consent) string { return c.ClientID }), []authcore.Consent{c1, c2})

	must(t, "DeleteConsent", s.DeleteConsent(ctx, "u", "c1"))
	_, err = s.GetConsent(ctx, "u", "c1")
	wantErr(t, "GetConsent after delete", err, authcore.ErrNotFound)
	wantErr(t, "DeleteConsent again", s.DeleteConsent(ctx, "u", "c1"), authcore.ErrNotFound)
	list, _ = s.ListConsents(ctx, "u/x")
	same(t, "ListConsents other user", list, []authcore.Consent{other})
}

func newSession(id, user string, now time.Time, ttl time.Duration) authcore.Session {
	return authcore.Session{
		ID: id, UserID: user, AuthTime: now.Add(-time.Second), ExpiresAt: now.Add(ttl),
		CreatedAt: now, RemoteIP: "192.0.2.7", UserAgent: "storetest/1",
	}
}

func testSessions(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	a := newSession("s1", "u", now, time.Hour)
	b := newSession("s2", "u", now, time.Hour)
	dead := newSession("s3", "u", now.Add(-2*time.Hour), time.Hour)
	other := newSession("s4", "u/x", now, time.Hour)
	for _, ss := range []authcore.Session{a, b, dead, other} {
		must(t, "CreateSession "+ss.ID, s.CreateSession(ctx, ss))
	}
	wantErr(t, "CreateSession again", s.CreateSession(ctx, a), authcore.ErrAlreadyExists)

	got, err := s.GetSession(ctx, "s1")
	must(t, "GetSession", err)
	same(t, "GetSession", got, a)
	_, err = s.GetSession(ctx, "s3")
	wantErr(t, "GetSession expired", err, authcore.ErrNotFound)
	_, err = s.GetSession(ctx, "nope")
	wantErr(t, "GetSession unknown", err, authcore.ErrNotFound)

	list, err := s.ListSessions(ctx, "u")
	must(t, "ListSessions", err)
	same(t, "ListSessions (live, this user only)", sorted(list, func(s authcore.Session) string { return s.ID }), []authcore.Session{a, b})

	must(t, "DeleteSession", s.DeleteSession(ctx, "s1"))
	_, err = s.GetSession(ctx, "s1")
	wantErr(t, "GetSession after delete", err, authcore.ErrNotFound)
	wantErr(t, "DeleteSession again", s.DeleteSession(ctx, "s1"), authcore.ErrNotFound)
	list, _ = s.ListSessions(ctx, "u")
	same(t, "ListSessions after delete", list, []authcore.Session{b})
}

func testScopes(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	openid := authcore.Scope{Name: "openid", Description: "Sign you in", CreatedAt: now}
	read := authcore.Scope{Name: "api:read", Description: "Read your data", CreatedAt: now}
	must(t, "CreateScope", s.CreateScope(ctx, openid))
	must(t, "CreateScope", s.CreateScope(ctx, read))
	wantErr(t, "CreateScope again", s.CreateScope(ctx, openid), authcore.ErrAlreadyExists)
	got, err := s.GetScope(ctx, "openid")
	must(t, "GetScope", err)
	same(t, "GetScope", got, openid)
	list, err := s.ListScopes(ctx)
	must(t, "ListScopes", err)
	if len(list) != 2 {
		t.Errorf("ListScopes: got %d, want 2", len(list))
	}
	must(t, "DeleteScope", s.DeleteScope(ctx, "openid"))
	_, err = s.GetScope(ctx, "openid")
	wantErr(t, "GetScope after delete", err, authcore.ErrNotFound)
	wantErr(t, "DeleteScope again", s.DeleteScope(ctx, "openid"), authcore.ErrNotFound)
}

func testSettings(t *testing.T, s authcore.Storage, clk *Clock) {
	_, err := s.GetSetting(ctx, "pepper")
	wantErr(t, "GetSetting unset", err, authcore.ErrNotFound)
	v := []byte{0, 1, 2, 250}
	must(t, "PutSetting", s.PutSetting(ctx, "pepper", v))
	v[0] = 99 // the store must have kept its own copy
	got, err := s.GetSetting(ctx, "pepper")
	must(t, "GetSetting", err)
	same(t, "GetSetting", got, []byte{0, 1, 2, 250})
	must(t, "PutSetting replace", s.PutSetting(ctx, "pepper", []byte("new")))
	got, _ = s.GetSetting(ctx, "pepper")
	same(t, "GetSetting after replace", got, []byte("new"))
}

func testSigningKeys(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	active := authcore.SigningKey{ID: "k1", Algorithm: "ES256", State: authcore.KeyActive,
		PrivateDER: []byte{0x30, 0x81, 1}, CreatedAt: now, ActivatedAt: now}
	next := authcore.SigningKey{ID: "k2", Algorithm: "ES256", State: authcore.KeyNext,
		PrivateDER: []byte{0x30, 0x81, 2}, CreatedAt: now.Add(time.Second)}
	must(t, "PutSigningKeys", s.PutSigningKeys(ctx, active, next))
	list, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	same(t, "ListSigningKeys", sorted(list, keyID), []authcore.SigningKey{active, next})

	// A rotation: both keys change in one call.
	active.State, active.RetiredAt, active.RemoveAfter = authcore.KeyRetired, now, now.Add(time.Hour)
	next.State, next.ActivatedAt = authcore.KeyActive, now
	must(t, "PutSigningKeys rotation", s.PutSigningKeys(ctx, active, next))
	list, _ = s.ListSigningKeys(ctx)
	same(t, "ListSigningKeys after rotation", sorted(list, keyID), []authcore.SigningKey{active, next})

	must(t, "DeleteSigningKey", s.DeleteSigningKey(ctx, "k1"))
	wantErr(t, "DeleteSigningKey again", s.DeleteSigningKey(ctx, "k1"), authcore.ErrNotFound)
	list, _ = s.ListSigningKeys(ctx)
	same(t, "ListSigningKeys after delete", list, []authcore.SigningKey{next})
}

func keyID(k authcore.SigningKey) string { return k.ID }
