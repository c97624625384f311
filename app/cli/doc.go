// Package cli is Latchkey's command line: the desktop window (the default),
// `serve`, and the admin subcommands. Every flag has a LATCHKEY_* environment
// twin. Admin subcommands open the data directory themselves, or, when a
// running server holds it, call that server over its loopback admin port
// (admin.json names it).
package cli
