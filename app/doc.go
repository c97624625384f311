// Package app is the console's Go side: every operation the GUI offers, as
// plain methods on App. The Wails window binds App directly; a browser
// reaches the same methods as JSON under /console/api/ (see Handler); the
// admin CLI calls them in-process or, when a server holds the store, over
// its loopback admin path. Every exported method of App is frontend API and
// returns (DTO, error) or error.
package app

// The console's TypeScript types are generated from App's methods and DTOs;
// `make lint` fails when the committed file is stale.
//go:generate go run ./internal/tsgen/cmd/tsgen -o ../frontend/src/lib/api.gen.ts
