package audit

import (
	"time"
)

// Filter selects events for Query, Export and Subscribe. Empty fields
// match everything; set fields must all match.
type Filter struct {
	From time.Time // inclusive; zero means the beginning
	To   time.Time // exclusive; zero means now and later

	Types    []Type  // any of these types
	Outcome  Outcome // exact outcome
	ClientID string  // exact client id
	Subject  string  // exact subject
	RemoteIP string  // exact remote address (Event.RemoteIP)

	// Expr is an expression over the stored event JSON evaluated with
	// gjson, e.g. details.scope%"*admin*" (syntax: see ErrBadExpression's
	// file, expr.go). A syntax error wraps ErrBadExpression.
	Expr string

	Limit  int    // page size for Query: 1..1000, 0 for 100; else ErrBadLimit
	Cursor string // Page.Next of the previous page; empty for the first
}

// Page sizes.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// matcher is a compiled Filter.
type matcher struct {
	from, to int64 // nanoseconds; to == 0 means unbounded
	types    map[Type]bool
	f        Filter
	x        *expr
}

func compileFilter(f Filter) (*matcher, error) {
	x, err := parseExpr(f.Expr)
	if err != nil {
		return nil, err
	}
	m := &matcher{f: f, x: x}
	if !f.From.IsZero() {
		m.from = f.From.UnixNano()
	}
	if !f.To.IsZero() {
		m.to = f.To.UnixNano()
	}
	if len(f.Types) > 0 {
		m.types = make(map[Type]bool, len(f.Types))
		for _, t := range f.Types {
			m.types[t] = true
		}
	}
	return m, nil
}

// inRange reports whether ts is inside [from, to).
func (m *matcher) inRange(ts int64) bool {
	return ts >= m.from && (m.to == 0 || ts < m.to)
}

// match reports whether e (stored as line) passes every condition.
func (m *matcher) match(e *Event, line []byte) bool {
	return m.inRange(e.Time.UnixNano()) && m.exact(e) && m.x.eval(line)
}

// exact reports whether e passes the exact-match conditions, the ones
// Query answers from the indexes.
func (m *matcher) exact(e *Event) bool {
	switch {
	case m.types != nil && !m.types[e.Type]:
	case m.f.Outcome != "" && e.Outcome != m.f.Outcome:
	case m.f.ClientID != "" && e.ClientID != m.f.ClientID:
	case m.f.Subject != "" && e.Subject != m.f.Subject:
	case m.f.RemoteIP != "" && e.RemoteIP != m.f.RemoteIP:
	default:
		return true
	}
	return false
}
