package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// testPushedRequests checks the PAR contract (RFC 9126): create, a
// duplicate hash, get, an expired request is gone, delete.
func testPushedRequests(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	r := authcore.PushedRequest{Hash: "h1", ClientID: "c1", CreatedAt: now, ExpiresAt: now.Add(time.Minute),
		Params: map[string]string{"scope": "openid", "state": "s/1"}}
	must(t, "create", s.CreatePushedRequest(ctx, r))
	wantErr(t, "duplicate", s.CreatePushedRequest(ctx, r), authcore.ErrAlreadyExists)
	got, err := s.GetPushedRequest(ctx, "h1")
	must(t, "get", err)
	if got.ClientID != "c1" || got.Params["state"] != "s/1" || !got.ExpiresAt.Equal(r.ExpiresAt) {
		t.Errorf("get = %+v", got)
	}
	old := authcore.PushedRequest{Hash: "h2", ClientID: "c1", ExpiresAt: now.Add(-time.Second)}
	if err := s.CreatePushedRequest(ctx, old); err == nil {
		if _, err := s.GetPushedRequest(ctx, "h2"); !errors.Is(err, authcore.ErrNotFound) {
			t.Errorf("expired request: %v, want ErrNotFound", err)
		}
	}
	must(t, "delete", s.DeletePushedRequest(ctx, "h1"))
	must(t, "delete again", s.DeletePushedRequest(ctx, "h1"))
	_, err = s.GetPushedRequest(ctx, "h1")
	wantErr(t, "get deleted", err, authcore.ErrNotFound)
}

func device(hash, user string, now, exp time.Time) authcore.DeviceCode {
	return authcore.DeviceCode{Hash: hash, UserCode: user, ClientID: "tv", Scopes: []string{"openid"},
		Status: authcore.DevicePending, Interval: 5 * time.Second, ExpiresAt: exp, CreatedAt: now}
}

// testDeviceCodes checks the device authorization contract (RFC 8628):
// unique hash and user code, lookup by user code, updates, an updater's
// error aborts, expiry.
func testDeviceCodes(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	exp := now.Add(10 * time.Minute)
	must(t, "create", s.CreateDeviceCode(ctx, device("d1", "BCDFGHJK", now, exp)))
	wantErr(t, "same user code", s.CreateDeviceCode(ctx, device("d2", "BCDFGHJK", now, exp)), authcore.ErrAlreadyExists)
	wantErr(t, "same hash", s.CreateDeviceCode(ctx, device("d1", "LMNPQRST", now, exp)), authcore.ErrAlreadyExists)
	d, err := s.GetDeviceCodeByUserCode(ctx, "BCDFGHJK")
	must(t, "get", err)
	if d.Hash != "d1" || d.Status != authcore.DevicePending || d.Interval != 5*time.Second {
		t.Errorf("get = %+v", d)
	}
	_, err = s.GetDeviceCodeByUserCode(ctx, "ZZZZZZZZ")
	wantErr(t, "unknown user code", err, authcore.ErrNotFound)
	d, err = s.UpdateDeviceCode(ctx, "d1", func(d authcore.DeviceCode) (authcore.DeviceCode, error) {
		d.Status, d.UserID = authcore.DeviceApproved, "alice"
		return d, nil
	})
	must(t, "approve", err)
	if d.Status != authcore.DeviceApproved {
		t.Errorf("update returned %+v", d)
	}
	boom := errors.New("boom")
	_, err = s.UpdateDeviceCode(ctx, "d1", func(d authcore.DeviceCode) (authcore.DeviceCode, error) {
		d.Status = authcore.DeviceDenied
		return d, boom
	})
	wantErr(t, "aborted update", err, boom)
	d, _ = s.GetDeviceCodeByUserCode(ctx, "BCDFGHJK")
	if d.Status != authcore.DeviceApproved || d.UserID != "alice" {
		t.Errorf("after aborted update: %+v", d)
	}
	_, err = s.UpdateDeviceCode(ctx, "nope", func(d authcore.DeviceCode) (authcore.DeviceCode, error) { return d, nil })
	wantErr(t, "update unknown", err, authcore.ErrNotFound)
	short := now.Add(1100 * time.Millisecond)
	must(t, "create short", s.CreateDeviceCode(ctx, device("d3", "VWXZBCDF", now, short)))
	clk.Advance(1150 * time.Millisecond)
	_, err = s.GetDeviceCodeByUserCode(ctx, "VWXZBCDF")
	wantErr(t, "expired get", err, authcore.ErrNotFound)
	_, err = s.UpdateDeviceCode(ctx, "d3", func(d authcore.DeviceCode) (authcore.DeviceCode, error) { return d, nil })
	wantErr(t, "expired update", err, authcore.ErrNotFound)
	must(t, "user code of an expired record is free", s.CreateDeviceCode(ctx, device("d4", "VWXZBCDF", now, exp)))
}

// testDeviceRedeemRace has many goroutines redeem one approved device
// code: exactly one sees it unredeemed (SECURITY.md RL-05).
func testDeviceRedeemRace(t *testing.T, s authcore.Storage, clk *Clock) {
	now := clk.Now()
	exp := now.Add(10 * time.Minute)
	for round := range *rounds {
		hash := fmt.Sprintf("race-%d", round)
		must(t, "create", s.CreateDeviceCode(ctx, device(hash, fmt.Sprintf("R%07d", round), now, exp)))
		errs := race(func(int) error {
			_, err := s.UpdateDeviceCode(ctx, hash, func(d authcore.DeviceCode) (authcore.DeviceCode, error) {
				if d.Redeemed {
					return d, authcore.ErrConsumed
				}
				d.Redeemed = true
				return d, nil
			})
			return err
		})
		oneWinner(t, fmt.Sprintf("round %d", round), errs)
	}
}
