package authcore

import (
	"errors"
	"testing"
)

func TestRefreshTokenInGrant(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rt      RefreshToken
		want    string
		wantErr error
	}{
		{"empty grant takes the grant's", RefreshToken{Hash: "h"}, "g1", nil},
		{"same grant", RefreshToken{Hash: "h", GrantID: "g1"}, "g1", nil},
		{"another grant", RefreshToken{Hash: "h", GrantID: "g2"}, "", ErrWrongGrant},
		{"no hash", RefreshToken{GrantID: "g1"}, "", ErrEmptyHash},
	} {
		got, err := tc.rt.InGrant("g1")
		if !errors.Is(err, tc.wantErr) || (err == nil && got.GrantID != tc.want) {
			t.Errorf("%s: %+v, %v; want grant %q, %v", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}
