//go:build !linux

package badger

// dropMappings trims nothing outside Linux (no /proc/self/maps): the
// pages of the tables stay mapped until the kernel reclaims them.
func dropMappings(paths []string) (int, error) { return 0, nil }
