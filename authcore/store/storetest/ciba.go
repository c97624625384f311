package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

func backchannel(hash, user string, now, exp time.Time) authcore.BackchannelRequest {
	return authcore.BackchannelRequest{Hash: hash, ClientID: "bank", UserID: user, Scopes: []string{"openid"},
		ACRValues: []string{"mfa"}, BindingMessage: "Pay 12 EUR", NotificationToken: "ntok-" + hash, PingSeed: "seed-" + hash,
		Status: authcore.DevicePending, Interval: 5 * time.Second, ExpiresAt: exp, CreatedAt: now}
}

// testBackchannelRequests checks the CIBA request contract: a unique
// hash, the per-user list (live requests only, oldest first), updates,
// an updater's error aborts, fields the updater may not change, expiry
// and collection.
func testBackchannelRequests(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	exp := now.Add(10 * time.Minute)
	must(t, "create", s.CreateBackchannelRequest(ctx, backchannel("b1", "alice", now, exp)))
	wantErr(t, "same hash", s.CreateBackchannelRequest(ctx, backchannel("b1", "bob", now, exp)), authcore.ErrAlreadyExists)
	must(t, "create second", s.CreateBackchannelRequest(ctx, backchannel("b2", "alice", now.Add(time.Second), exp)))
	must(t, "create other user's", s.CreateBackchannelRequest(ctx, backchannel("b3", "bob", now, exp)))
	list, err := s.ListBackchannelRequests(ctx, "alice")
	must(t, "list", err)
	if len(list) != 2 || list[0].Hash != "b1" || list[1].Hash != "b2" {
		t.Fatalf("list = %+v", list)
	}
	if g := list[0]; g.ClientID != "bank" || g.BindingMessage != "Pay 12 EUR" || g.NotificationToken != "ntok-b1" || g.PingSeed != "seed-b1" ||
		g.Status != authcore.DevicePending || g.Interval != 5*time.Second || len(g.ACRValues) != 1 || !g.ExpiresAt.Equal(exp) {
		t.Errorf("stored request = %+v", g)
	}
	got, err := s.UpdateBackchannelRequest(ctx, "b1", func(r authcore.BackchannelRequest) (authcore.BackchannelRequest, error) {
		r.Status, r.SessionID, r.AMR = authcore.DeviceApproved, "sid-1", []string{"pwd", "otp"}
		return r, nil
	})
	must(t, "approve", err)
	if got.Status != authcore.DeviceApproved || got.SessionID != "sid-1" {
		t.Errorf("update returned %+v", got)
	}
	boom := errors.New("boom")
	_, err = s.UpdateBackchannelRequest(ctx, "b1", func(r authcore.BackchannelRequest) (authcore.BackchannelRequest, error) {
		r.Status = authcore.DeviceDenied
		return r, boom
	})
	wantErr(t, "aborted update", err, boom)
	_, err = s.UpdateBackchannelRequest(ctx, "b1", func(r authcore.BackchannelRequest) (authcore.BackchannelRequest, error) {
		r.UserID = "mallory"
		return r, nil
	})
	if err == nil {
		t.Error("an update changed the request's user")
	}
	list, _ = s.ListBackchannelRequests(ctx, "alice")
	if len(list) != 2 || list[0].Status != authcore.DeviceApproved || list[0].UserID != "alice" || len(list[0].AMR) != 2 {
		t.Errorf("after aborted updates: %+v", list)
	}
	_, err = s.UpdateBackchannelRequest(ctx, "nope", func(r authcore.BackchannelRequest) (authcore.BackchannelRequest, error) { return r, nil })
	wantErr(t, "update unknown", err, authcore.ErrNotFound)

	short := now.Add(1100 * time.Millisecond)
	must(t, "create short", s.CreateBackchannelRequest(ctx, backchannel("b4", "carol", now, short)))
	clk.Advance(1150 * time.Millisecond)
	_, err = s.UpdateBackchannelRequest(ctx, "b4", func(r authcore.BackchannelRequest) (authcore.BackchannelRequest, error) { return r, nil })
	wantErr(t, "expired update", err, authcore.ErrNotFound)
	if list, err := s.ListBackchannelRequests(ctx, "carol"); err != nil || len(list) != 0 {
		t.Errorf("expired request listed: %v %+v", err, list)
	}
	n, err := s.GarbageCollect(ctx, clk.Now())
	must(t, "gc", err)
	if n < 1 {
		t.Errorf("GarbageCollect removed %d records, want the expired request", n)
	}
	if list, _ := s.ListBackchannelRequests(ctx, "alice"); len(list) != 2 {
		t.Errorf("GarbageCollect removed live requests: %+v", list)
	}
}

// testBackchannelRedeemRace has 50 goroutines redeem one approved CIBA
// request: exactly one sees it unredeemed.
func testBackchannelRedeemRace(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	exp := now.Add(10 * time.Minute)
	for round := range *rounds {
		hash := fmt.Sprintf("ciba-race-%d", round)
		r := backchannel(hash, "alice", now, exp)
		r.Status = authcore.DeviceApproved
		must(t, "create", s.CreateBackchannelRequest(ctx, r))
		errs := race(func(int) error {
			_, err := s.UpdateBackchannelRequest(ctx, hash, func(r authcore.BackchannelRequest) (authcore.BackchannelRequest, error) {
				if r.Redeemed {
					return r, authcore.ErrConsumed
				}
				r.Redeemed = true
				return r, nil
			})
			return err
		})
		oneWinner(t, fmt.Sprintf("round %d", round), errs)
	}
}
