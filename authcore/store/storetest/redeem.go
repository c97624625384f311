package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// testRedeemAuthCode: GetAuthCode reads without consuming, and
// RedeemAuthCode consumes the code and creates its grant together or not
// at all.
func testRedeemAuthCode(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	c := newCode("rc1", now)
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))

	got, err := s.GetAuthCode(ctx, "rc1", now)
	must(t, "GetAuthCode", err)
	same(t, "GetAuthCode", got, c)
	got, err = s.GetAuthCode(ctx, "rc1", now)
	must(t, "GetAuthCode again", err)
	same(t, "GetAuthCode leaves the code unconsumed", got, c)

	g, rt := newGrant("rg1", now), newRT("rrt1", "", now)
	got, err = s.RedeemAuthCode(ctx, "rc1", g, &rt, now)
	must(t, "RedeemAuthCode", err)
	want := c
	want.Consumed, want.GrantID = true, "rg1"
	same(t, "RedeemAuthCode", got, want)
	gotG, err := s.GetGrant(ctx, "rg1")
	must(t, "GetGrant after RedeemAuthCode", err)
	same(t, "grant of RedeemAuthCode", gotG, g)
	gotRT, err := s.GetRefreshToken(ctx, "rrt1")
	must(t, "GetRefreshToken after RedeemAuthCode", err)
	rt.GrantID = "rg1" // an empty GrantID is g's
	same(t, "refresh token of RedeemAuthCode", gotRT, rt)
	got, err = s.GetAuthCode(ctx, "rc1", now)
	must(t, "GetAuthCode of a redeemed code", err)
	same(t, "GetAuthCode of a redeemed code", got, want)

	// A second redemption gets the stored record and writes nothing.
	got, err = s.RedeemAuthCode(ctx, "rc1", newGrant("rg2", now), nil, now.Add(time.Second))
	wantErr(t, "RedeemAuthCode again", err, authcore.ErrConsumed)
	same(t, "record returned with ErrConsumed", got, want)
	_, err = s.GetGrant(ctx, "rg2")
	wantErr(t, "grant of a second redemption", err, authcore.ErrNotFound)
	_, err = s.ConsumeAuthCode(ctx, "rc1", "rg3", now)
	wantErr(t, "ConsumeAuthCode of a redeemed code", err, authcore.ErrConsumed)

	// A consumed code cannot be redeemed either.
	must(t, "CreateAuthCode rc2", s.CreateAuthCode(ctx, newCode("rc2", now)))
	_, err = s.ConsumeAuthCode(ctx, "rc2", "rg4", now)
	must(t, "ConsumeAuthCode rc2", err)
	got, err = s.RedeemAuthCode(ctx, "rc2", newGrant("rg5", now), nil, now)
	wantErr(t, "RedeemAuthCode of a consumed code", err, authcore.ErrConsumed)
	if got.GrantID != "rg4" {
		t.Errorf("RedeemAuthCode of a consumed code: GrantID %q, want rg4", got.GrantID)
	}
	_, err = s.GetGrant(ctx, "rg5")
	wantErr(t, "grant of a consumed code's redemption", err, authcore.ErrNotFound)

	// A taken grant ID or refresh-token hash: nothing written, the code
	// stays redeemable.
	must(t, "CreateAuthCode rc3", s.CreateAuthCode(ctx, newCode("rc3", now)))
	_, err = s.RedeemAuthCode(ctx, "rc3", newGrant("rg1", now), nil, now)
	wantErr(t, "RedeemAuthCode with a taken grant ID", err, authcore.ErrAlreadyExists)
	taken := newRT("rrt1", "", now)
	_, err = s.RedeemAuthCode(ctx, "rc3", newGrant("rg6", now), &taken, now)
	wantErr(t, "RedeemAuthCode with a taken refresh token hash", err, authcore.ErrAlreadyExists)
	_, err = s.GetGrant(ctx, "rg6")
	wantErr(t, "grant of a failed redemption", err, authcore.ErrNotFound)
	got, err = s.GetAuthCode(ctx, "rc3", now)
	must(t, "GetAuthCode after failed redemptions", err)
	if got.Consumed || got.GrantID != "" {
		t.Errorf("a failed redemption consumed the code: %+v", got)
	}
	_, err = s.RedeemAuthCode(ctx, "rc3", newGrant("rg6", now), nil, now)
	must(t, "RedeemAuthCode after failed redemptions", err)

	// Unknown and expired codes, judged by the now passed in.
	_, err = s.GetAuthCode(ctx, "unknown", now)
	wantErr(t, "GetAuthCode unknown", err, authcore.ErrNotFound)
	_, err = s.RedeemAuthCode(ctx, "unknown", newGrant("rg7", now), nil, now)
	wantErr(t, "RedeemAuthCode unknown", err, authcore.ErrNotFound)
	must(t, "CreateAuthCode rc4", s.CreateAuthCode(ctx, newCode("rc4", now)))
	_, err = s.GetAuthCode(ctx, "rc4", now.Add(time.Minute))
	wantErr(t, "GetAuthCode at expiry", err, authcore.ErrNotFound)
	_, err = s.RedeemAuthCode(ctx, "rc4", newGrant("rg7", now), nil, now.Add(time.Minute))
	wantErr(t, "RedeemAuthCode at expiry", err, authcore.ErrNotFound)
	_, err = s.GetGrant(ctx, "rg7")
	wantErr(t, "grant of an expired code's redemption", err, authcore.ErrNotFound)
	_, err = s.RedeemAuthCode(ctx, "rc4", authcore.Grant{}, nil, now)
	if err == nil {
		t.Errorf("RedeemAuthCode with an empty grant ID succeeded")
	}
}

// testRedeemRace: of racers redeeming one code, each with its own grant,
// exactly one wins, only its grant exists, and every loser sees it.
func testRedeemRace(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	for round := range *rounds {
		hash := fmt.Sprintf("rcode-%d", round)
		must(t, "CreateAuthCode", s.CreateAuthCode(ctx, newCode(hash, now)))
		gid := func(i int) string { return fmt.Sprintf("r%d-g%d", round, i) }
		seen := make([]authcore.AuthCode, racers)
		errs := race(func(i int) error {
			rt := newRT(gid(i)+"-rt", "", now)
			var err error
			seen[i], err = s.RedeemAuthCode(ctx, hash, newGrant(gid(i), now), &rt, now)
			return err
		})
		what := fmt.Sprintf("round %d", round)
		w := oneWinner(t, what, errs)
		for i, err := range errs {
			if errors.Is(err, authcore.ErrConsumed) && seen[i].GrantID != gid(w) {
				t.Errorf("%s: loser %d saw GrantID %q, want the winner's %q", what, i, seen[i].GrantID, gid(w))
			}
			_, gerr := s.GetGrant(ctx, gid(i))
			_, rerr := s.GetRefreshToken(ctx, gid(i)+"-rt")
			switch {
			case i == w && (gerr != nil || rerr != nil):
				t.Errorf("%s: winner's grant or token missing: %v, %v", what, gerr, rerr)
			case i != w && (!errors.Is(gerr, authcore.ErrNotFound) || !errors.Is(rerr, authcore.ErrNotFound)):
				t.Errorf("%s: loser %d left a grant or token: %v, %v", what, i, gerr, rerr)
			}
		}
	}
}
