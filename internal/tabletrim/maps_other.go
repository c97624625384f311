//go:build !linux

package tabletrim

// dropMappings trims nothing outside Linux (no /proc/self/maps): the
// pages of the tables stay mapped until the kernel reclaims them.
func dropMappings(paths []string) (int, error) { return 0, nil }

// Resident reports 0 outside Linux (no /proc/self/smaps).
func Resident(dir string) (int64, error) { return 0, nil }
