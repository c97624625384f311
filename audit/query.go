package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Page is one page of Query results, newest first.
type Page struct {
	Entries []Entry
	// Next is the cursor for the following (older) page; empty when there
	// is none. A full page always carries Next, so the last page may be
	// empty.
	Next string
}

// ErrBadLimit is returned for a Filter.Limit outside 0..MaxLimit (0 means
// DefaultLimit); a limit is refused rather than silently clamped.
var ErrBadLimit = errors.New("audit: bad limit")

// Query returns the events matching f, newest first, at most f.Limit
// (default 100, max 1000) per page, resuming after f.Cursor, a Page.Next
// this log produced (ErrBadCursor otherwise).
//
// Exact-match conditions (types, outcome, client, subject, remote
// address) are answered from secondary indexes, intersected with a
// zig-zag join over key-only reverse iterators; only candidate events are
// read. Expr and the time range are checked on each candidate. A filter
// with only Expr scans events newest first, so a rare match over a huge
// range costs a scan of that range.
func (l *Log) Query(ctx context.Context, f Filter) (Page, error) {
	m, err := compileFilter(f)
	if err != nil {
		return Page{}, err
	}
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return Page{}, fmt.Errorf("%w: %d is not between 1 and %d", ErrBadLimit, limit, MaxLimit)
	}
	if l.indexDamaged.Load() && usesIndexes(f) {
		return Page{}, fmt.Errorf("%w: verify found it damaged; run audit reindex", ErrIndexDamaged)
	}
	var after id // zero: the first page
	if f.Cursor != "" {
		if after, err = l.decodeCursor(f.Cursor); err != nil {
			return Page{}, err
		}
	}
	if m.to != 0 && m.to <= m.from {
		return Page{}, nil
	}
	es, last, err := l.b.query(ctx, m, f, after, limit)
	if errors.Is(err, ErrIndexDamaged) {
		l.indexDamaged.Store(true) // one lying entry: no filtered answer is trustworthy
		l.log.Error().Err(err).Msg("audit: query refused: index damaged")
		return Page{}, err
	}
	if err != nil {
		return Page{}, fmt.Errorf("audit: query: %w", err)
	}
	page := Page{Entries: es}
	if len(es) == limit {
		page.Next = l.encodeCursor(last)
	}
	return page, nil
}

// query walks the plan for f from just below after (a cursor's
// position) or To or the top.
func (b *badgerBackend) query(ctx context.Context, m *matcher, f Filter, after id, limit int) ([]Entry, id, error) {
	start, ok := startID(m, after)
	if !ok {
		return nil, id{}, nil
	}
	var es []Entry
	var last id
	err := b.db.View(func(txn *badger.Txn) error {
		p := b.plan(txn, f)
		defer p.close()
		n := 0
		for p.seek(start); p.valid(); p.next() {
			if n++; n%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			i := p.cur()
			if i.ts() < m.from {
				break
			}
			en, ok, err := b.candidate(txn, m, i, scanItem(p))
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			es = append(es, en)
			if len(es) == limit {
				last = i
				break
			}
		}
		return nil
	})
	return es, last, err
}

// startID is the id to seek to: just below the cursor's id, or just
// below To, or the top. ok is false when nothing can match.
func startID(m *matcher, after id) (id, bool) {
	top := id{}
	for k := range top {
		top[k] = 0xff
	}
	if m.to != 0 {
		top, _ = makeID(m.to, 0).prev()
	}
	if after.isZero() {
		return top, true
	}
	below, ok := after.prev()
	if string(below[:]) < string(top[:]) {
		top = below
	}
	return top, ok
}

// plan builds the posting that drives a query: the intersection of the
// indexes of every exact-match condition, or all events when there are
// none.
func (b *badgerBackend) plan(txn *badger.Txn, f Filter) posting {
	var kids []posting
	add := func(field byte, v string) {
		if v != "" {
			kids = append(kids, newIndexPosting(txn, field, v))
		}
	}
	add(fieldClient, f.ClientID)
	add(fieldSubject, f.Subject)
	add(fieldRemoteIP, f.RemoteIP)
	if len(f.Types) == 1 {
		add(fieldType, string(f.Types[0]))
	} else if len(f.Types) > 1 {
		u := &unionPosting{}
		for _, t := range f.Types {
			u.kids = append(u.kids, newIndexPosting(txn, fieldType, string(t)))
		}
		kids = append(kids, u)
	}
	add(fieldOutcome, string(f.Outcome))
	switch len(kids) {
	case 0:
		return newKeyPosting(txn, prefixEvent)
	case 1:
		return kids[0]
	}
	return &intersectPosting{kids: kids}
}

// usesIndexes reports whether plan answers f from the indexes.
func usesIndexes(f Filter) bool {
	return len(f.Types) > 0 || f.Outcome != "" || f.ClientID != "" || f.Subject != "" || f.RemoteIP != ""
}

// scanItem returns the current event item when p walks the events
// themselves, so a scan reads values without a lookup per event.
func scanItem(p posting) *badger.Item {
	if k, ok := p.(*keyPosting); ok && string(k.prefix) == string(prefixEvent) {
		return k.it.Item()
	}
	return nil
}

// ErrIndexDamaged is returned by Query when an index entry points at an
// event that is missing or does not hold the indexed value, and by every
// filtered Query after Verify reported IndexDamaged until Reindex: the
// index was altered outside Latchkey, and its answers cannot be trusted.
// Verify names the damage.
var ErrIndexDamaged = errors.New("audit: index damaged")

// candidate reads event i (from item when the scan already holds it) and
// reports whether it matches m. The expression is evaluated on the raw
// line before the line is decoded. An event reached through the indexes
// (item nil) must be stored and hold the values it was found by: every hit
// is confirmed against the stored record, so a tampered index fails the
// query (ErrIndexDamaged) instead of inventing a result.
func (b *badgerBackend) candidate(txn *badger.Txn, m *matcher, i id, item *badger.Item) (Entry, bool, error) {
	if !m.inRange(i.ts()) {
		return Entry{}, false, nil
	}
	viaIndex := item == nil
	if viaIndex {
		var err error
		item, err = txn.Get(eventKey(i))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return Entry{}, false, fmt.Errorf("%w: an index entry points at seq %d, which is not stored (run audit verify)", ErrIndexDamaged, i.seq())
		}
		if err != nil {
			return Entry{}, false, err
		}
	}
	var en Entry
	ok := false
	err := item.Value(func(line []byte) error {
		if !m.x.eval(line) {
			return nil
		}
		var derr error
		if en, derr = decodeEntry(line); derr != nil {
			b.log.Warn().Err(derr).Uint64("seq", i.seq()).Msg("audit: undecodable event skipped")
			return nil
		}
		if viaIndex && !m.exact(&en.Event) {
			return fmt.Errorf("%w: an index entry points at seq %d (a %s event), which does not match it (run audit verify)",
				ErrIndexDamaged, i.seq(), en.Type)
		}
		ok = m.match(&en.Event, line)
		return nil
	})
	return en, ok, err
}
