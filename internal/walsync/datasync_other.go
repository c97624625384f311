//go:build !linux

package walsync

import "os"

// datasync is f.Sync where fdatasync(2) is not available.
func datasync(f *os.File) error { return f.Sync() }

// Method says how durable writes wait for the disk here.
func Method() string { return "fsync(2)" }
