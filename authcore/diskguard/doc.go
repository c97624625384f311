// Package diskguard keeps a data directory writable for the Badger
// databases that live in it.
//
// Badger writes its write-ahead log and value log through memory-mapped
// files. When the file system cannot back a page of such a mapping (the
// disk is full), the kernel answers the write with SIGBUS and the Go
// runtime dies: there is no error to handle. The only defence is not to
// write when the disk is nearly full. A Guard checks the free space
// (statfs) on a timer and, without a system call, before writes once the
// bytes admitted since the last check could eat into the reserve; below
// the reserve, or when the directory is gone or read-only, Allow refuses
// with an *Error until the next check finds the directory healthy again.
//
// The hot path is Allow: one atomic load and one atomic add.
package diskguard
