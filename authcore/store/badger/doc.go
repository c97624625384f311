// Package badger is Latchkey's embedded default store: an implementation of
// authcore.Storage on Badger v4 (github.com/dgraph-io/badger/v4).
//
// It owns the on-disk layout of the data directory. Every record is stored
// under a versioned key prefixed by its kind ("v1/client/<id>",
// "v1/rt/<hash>", "v1/revoked/<jti>", ...) as this package's own JSON
// record type, never as the domain struct itself, so the domain types may
// change without silently changing the stored format.
//
// Security state is acknowledged only after a durable commit: every write
// returns only once an fsync that started after its commit has returned,
// unless Options.NoSyncWrites says otherwise. Concurrent commits share
// that fsync (group commit, syncer.go); a transaction that wrote nothing
// (a lease not won) waits for one too. Single-use operations
// (ConsumeAuthCode, RotateRefreshToken) read and write the same key in one
// transaction, which is what Badger's optimistic conflict detection needs
// to let exactly one of many concurrent callers win. Expirable records
// carry both a Badger TTL and an absolute expiry checked on every read.
//
// One process opens a data directory at a time; a second one gets ErrLocked
// naming the process that holds it.
package badger
