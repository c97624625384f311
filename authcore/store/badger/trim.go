package badger

import "github.com/latchkey/latchkey/internal/tabletrim"

// startTrim unmaps the pages of the table files that the open read (the
// checks and the marker's count read every table) and keeps doing so in
// the background for what flushes, compactions and reads map later
// (internal/tabletrim), until Close.
func (s *Store) startTrim(dir string) {
	s.dir = tabletrim.ResolvedDir(dir)
	s.trim = tabletrim.Start(s.db, dir, func(err error) {
		s.log.Debug().Err(err).Msg("badger: table pages not trimmed")
	})
}
