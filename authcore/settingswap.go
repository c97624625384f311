package authcore

import "context"

// SettingSwapper changes a setting only if nobody changed it meanwhile:
// two nodes saving the live policy at the same instant must not both
// succeed, one silently undoing the other.
type SettingSwapper interface {
	// SwapSetting stores value under name if the stored value is old now
	// (nil old: if nothing is stored under name), and returns
	// ErrConflict, changing nothing, otherwise.
	SwapSetting(ctx context.Context, name string, old, value []byte) error
}
