package audit

import (
	"strings"

	"github.com/rs/zerolog"
)

// badgerLogger adapts zerolog to badger.Logger. Badger's info and debug
// chatter is logged at debug level.
type badgerLogger struct{ l zerolog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error().Msgf(trim(f), a...) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn().Msgf(trim(f), a...) }
func (b badgerLogger) Infof(f string, a ...any)    { b.l.Debug().Msgf(trim(f), a...) }
func (b badgerLogger) Debugf(f string, a ...any)   { b.l.Debug().Msgf(trim(f), a...) }

func trim(f string) string { return strings.TrimSuffix(f, "\n") }
