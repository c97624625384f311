// Package storetest is the conformance suite every authcore.Storage
// backend must pass, after dex's storage/conformance: Run opens a fresh
// store per subtest and checks one area of the contract in each, from
// plain CRUD to the races where exactly one of many concurrent redeemers
// of a code or refresh token may win.
//
// Times are passed in, never slept for. The suite builds its timestamps
// from time.Now (UTC, millisecond precision), so a backend's own clock,
// used by the methods that take no time argument, must be the real one.
package storetest
