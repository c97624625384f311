// Package storetest is the conformance suite every authcore.Storage
// backend must pass, after dex's storage/conformance: Run opens a fresh
// store per subtest and checks one area of the contract in each, from
// plain CRUD to the races where exactly one of many concurrent redeemers
// of a code or refresh token may win.
//
// Times are passed in, never slept for: every subtest drives a Clock that
// the backend under test is opened with, so expiry is checked against the
// one clock the caller gives the store (authcore.Storage states this).
package storetest
