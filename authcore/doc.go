// Package authcore is the vocabulary of Latchkey's authorization server:
// the domain types (Client, User, Scope, AuthCode, RefreshToken, Grant,
// SigningKey), the storage contract every backend implements, and the
// sentinel errors callers branch on.
//
// It imports only the standard library. Implementations live in
// subpackages (store/badger, keys, oauth, login, server) that do not import
// each other sideways; wiring happens in authcore/server and main.go.
package authcore
