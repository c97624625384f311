package app

import (
	"crypto/rand"
	"encoding/hex"
)

// WindowErrors returns the error formatter of the desktop window
// (Wails' options.App.ErrorFormatter): the errors of a's bound methods
// pass through the same mapping as the browser console's API, so the
// window shows a refusal in words and an internal failure only as a
// reference to the log line that holds its text.
func WindowErrors(a *App) func(error) any {
	return func(err error) any { return a.windowError(err) }
}

// windowError is what the window shows of err.
func (a *App) windowError(err error) string {
	_, msg, public := publicError(err)
	if public {
		return msg
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	ref := hex.EncodeToString(b[:])
	a.log.Error().Err(err).Str("error_ref", ref).Msg("app: console call failed")
	return "internal error (reference " + ref + " in the log)"
}
