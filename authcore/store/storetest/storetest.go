package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// Run runs the conformance suite. open must return a fresh, empty store
// each time it is called, whose own clock (for the methods that take no
// time argument) is now; Run closes it when the subtest ends (so Close
// must tolerate being called again by the caller's own cleanup).
//
// Each subtest has its own Clock, started at the wall clock (so a
// backend's own expiry mechanism, such as Badger's TTL, never fires
// during a run) and walked forward by the suite instead of sleeping.
func Run(t *testing.T, open func(t *testing.T, now func() time.Time) authcore.Storage) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s authcore.Storage, clk *Clock)
	}{
		{"Clients", testClients},
		{"Users", testUsers},
		{"UsernameUnique", testUsernameUnique},
		{"Consents", testConsents},
		{"Sessions", testSessions},
		{"Scopes", testScopes},
		{"Settings", testSettings}, {"SettingSwap", testSettingSwap}, {"SettingSwapRace", testSettingSwapRace}, // settingswap.go
		{"SigningKeys", testSigningKeys},
		{"AuthCodes", testAuthCodes},
		{"Grants", testGrants},
		{"RefreshRotation", testRefreshRotation},
		{"RevokeGrant", testRevokeGrant},
		{"AccessTokenRevocation", testAccessTokenRevocation},
		{"GarbageCollect", testGarbageCollect},
		{"RevocationSkew", testRevocationSkew},
		{"ConsumeRace", testConsumeRace},
		{"RotateRace", testRotateRace},
		{"RevokeRotateRace", testRevokeRotateRace},
		{"UseOnce", testUseOnce},
		{"UseOnceExpiry", testUseOnceExpiry},
		{"UseOnceGC", testUseOnceGC},
		{"UseOnceRace", testUseOnceRace},
		{"IdentityProviders", testIdentityProviders},
		{"FederatedLinks", testFederatedLinks},
		{"PushedRequests", testPushedRequests},
		{"DeviceCodes", testDeviceCodes},
		{"DeviceRedeemRace", testDeviceRedeemRace},
		{"BackchannelRequests", testBackchannelRequests}, {"BackchannelRedeemRace", testBackchannelRedeemRace}, // ciba.go
		{"Counters", testCounters}, {"CounterRace", testCounterRace},
		{"KeysetSwap", testKeysetSwap}, {"Leases", testLeases}, {"Heartbeats", testHeartbeats}, // cluster.go
		{"Factors", testFactors},
		{"FactorStepRace", testFactorStepRace},
		{"PasskeyChallenges", testPasskeyChallenges},
		{"SessionTouch", testSessionTouch}, {"SessionTouchRace", testSessionTouchRace}, // sessiontouch.go
		{"AuthorizationDetailTypes", testAuthorizationDetailTypes},             // authzdetails.go
		{"CreateSetting", testCreateSetting},                                   // settings_once.go
		{"RefreshFamily", testRefreshFamily},                                   // refreshfamily.go
		{"ReadThenRotate", testReadThenRotate},                                 // familyrotate.go
		{"RedeemAuthCode", testRedeemAuthCode}, {"RedeemRace", testRedeemRace}, // redeem.go
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := NewClock(time.Now())
			s := open(t, clk.Now)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s, clk)
		})
	}
}

// ctx is the context every call of the suite uses.
var ctx = context.Background()

// Clock is the suite's time source, safe for concurrent use. Its times
// are in UTC with millisecond precision, so every backend can store them
// exactly.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock reading start, in UTC, truncated to the
// millisecond.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start.UTC().Truncate(time.Millisecond)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// must fails the test at once on an unexpected error.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantErr checks that err matches target under errors.Is.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// same checks that got equals want, where times compare with Equal and a
// nil slice equals an empty one: backends differ in both and neither
// difference means anything.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !equal(reflect.ValueOf(got), reflect.ValueOf(want)) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

var timeType = reflect.TypeFor[time.Time]()

func equal(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range a.NumField() {
			if !equal(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equal(a.Elem(), b.Elem())
	}
	return a.Equal(b)
}

// sorted returns list ordered by id: the contract fixes no order for List
// methods, so the suite never relies on one.
func sorted[T any](list []T, id func(T) string) []T {
	out := slices.Clone(list)
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(id(a), id(b)) })
	return out
}
