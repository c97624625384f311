package badger

import (
	"time"

	"github.com/latchkey/latchkey/internal/tabletrim"
)

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

// trimTables trims the table pages now and returns how many mappings it
// trimmed.
func (s *Store) trimTables() int {
	n, err := tabletrim.Trim(s.db, s.dir)
	if err != nil {
		s.log.Debug().Err(err).Msg("badger: table pages not trimmed")
	}
	return n
}

// every calls fn every d until stop closes, then closes done.
func every(d time.Duration, fn func(), stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fn()
		}
	}
}
