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

// scanTrimEvery is how often a scan of the whole store (the collector's,
// the marker's count) drops the table pages it has mapped so far. The
// background trimmer trims when the set of tables changes, or every 30 s:
// a scan changes no table, so at 10^6 records the collector's round at
// start kept the whole store (about 200 MB) mapped for the first
// minute of the server (lkbench's scale step, session 10: RssFile
// 202-222 MB at 10^6 against 77-88 at 10^4).
const scanTrimEvery = time.Second

// scanTrim trims the tables' pages when scanTrimEvery has passed since
// *last (and sets *last); a scan calls it between chunks.
func (s *Store) scanTrim(last *time.Time) {
	if time.Since(*last) >= scanTrimEvery {
		s.trim.TrimNow()
		*last = time.Now()
	}
}
