//go:build !linux

package diskguard

// allocateAhead does nothing where fallocate is not available.
func allocateAhead(path string, from, by int64) (int64, error) { return from, nil }
