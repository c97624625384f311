package badger

import (
	"fmt"
	"strings"

	"github.com/rs/zerolog"
)

// logAdapter sends Badger's log lines to zerolog. Badger is chatty at info
// level (compactions, memtable flushes, value-log replay); those lines go
// to debug so a server's info log stays about the server.
type logAdapter struct{ l zerolog.Logger }

func (a logAdapter) Errorf(f string, v ...any)   { a.emit(a.l.Error(), f, v) }
func (a logAdapter) Warningf(f string, v ...any) { a.emit(a.l.Warn(), f, v) }
func (a logAdapter) Infof(f string, v ...any)    { a.emit(a.l.Debug(), f, v) }
func (a logAdapter) Debugf(f string, v ...any)   { a.emit(a.l.Trace(), f, v) }

func (a logAdapter) emit(e *zerolog.Event, f string, v []any) {
	if e == nil { // level disabled: skip the formatting
		return
	}
	e.Str("component", "badger").Msg(strings.TrimSpace(fmt.Sprintf(f, v...)))
}
