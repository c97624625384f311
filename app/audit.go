package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/latchkey/latchkey/audit"
)

// AuditFilter selects audit events; empty fields match everything. Times
// are RFC 3339.
type AuditFilter struct {
	From     string   `json:"from"`
	To       string   `json:"to"`
	Types    []string `json:"types"`
	Outcome  string   `json:"outcome"`
	ClientID string   `json:"client_id"`
	Subject  string   `json:"subject"`
	RemoteIP string   `json:"remote_addr"`
	// Expr is a gjson expression over the event, e.g. details.scope%"*admin*".
	Expr   string `json:"expr"`
	Limit  int    `json:"limit"`  // 1..1000; 0 or absent for 100; else 400
	Cursor string `json:"cursor"` // next of the previous page; a cursor Latchkey did not issue is a 400
}

// AuditPage is one page of events, newest first; Next continues it.
type AuditPage struct {
	Events []audit.Entry `json:"events"`
	Next   string        `json:"next"`
	// Names maps the user and client ids the events mention (as actor,
	// subject or client) to the username or client name, so the console
	// shows people and applications by name; an id that names neither (a
	// deleted user, "cli") is absent.
	Names map[string]string `json:"names"`
}

// AuditVerify is the result of walking the hash chain.
type AuditVerify struct {
	OK      bool   `json:"ok"`
	Checked uint64 `json:"checked"`
	Indexed uint64 `json:"indexed"`           // index entries checked against the chain
	Problem string `json:"problem,omitempty"` // altered, removed, reordered or index

	Seq    uint64 `json:"seq,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Node is the node whose chain is bad, on a PostgreSQL store (one
	// chain per node); Nodes counts the chains found intact there.
	Node  string `json:"node,omitempty"`
	Nodes int    `json:"nodes,omitempty"`
}

var errNoAudit = &Error{Status: http.StatusServiceUnavailable, Message: "this instance has no audit log open"}

func (f AuditFilter) filter() (audit.Filter, error) {
	out := audit.Filter{Outcome: audit.Outcome(f.Outcome), ClientID: f.ClientID, Subject: f.Subject,
		RemoteIP: f.RemoteIP, Expr: f.Expr, Limit: f.Limit, Cursor: f.Cursor}
	for _, t := range f.Types {
		out.Types = append(out.Types, audit.Type(t))
	}
	var err error
	if out.From, err = parseTime("from", f.From); err != nil {
		return out, err
	}
	out.To, err = parseTime("to", f.To)
	return out, err
}

func parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, invalid(name + " must be an RFC 3339 time such as 2026-11-26T10:00:00Z")
	}
	return t, nil
}

// auditError shows query mistakes (bad expression, bad cursor) as they
// are, and a damaged index as what the operator must do about it.
func auditError(err error) error {
	var ee *audit.ExprError
	switch {
	case errors.As(err, &ee):
		return invalid("bad expression: " + ee.Message)
	case errors.Is(err, audit.ErrBadCursor):
		return invalid("bad cursor: pass the next value of the previous page, unchanged, with the same filter")
	case errors.Is(err, audit.ErrBadLimit):
		return invalid(fmt.Sprintf("limit must be between 1 and %d", audit.MaxLimit))
	case errors.Is(err, audit.ErrIndexDamaged):
		return &Error{Status: http.StatusInternalServerError,
			Message: "the audit log's index was altered outside Latchkey, so this search cannot be trusted: run `latchkey audit verify`, then `latchkey audit reindex`"}
	}
	return err
}

// QueryAudit returns one page of audit events matching f.
func (a *App) QueryAudit(f AuditFilter) (AuditPage, error) {
	if a.audit == nil {
		return AuditPage{}, errNoAudit
	}
	af, err := f.filter()
	if err != nil {
		return AuditPage{}, err
	}
	page, err := a.audit.Query(a.ctx("audit.query"), af)
	if err != nil {
		return AuditPage{}, auditError(err)
	}
	return AuditPage{Events: nonNil(page.Entries), Next: page.Next, Names: a.auditNames(context.Background(), page.Entries)}, nil
}

// VerifyAudit walks the audit log's hash chain and names the first event
// that was altered, removed or reordered, then checks every index against
// the chain (problem "index").
func (a *App) VerifyAudit() (AuditVerify, error) {
	if a.audit == nil {
		return AuditVerify{}, errNoAudit
	}
	res, err := a.audit.Verify(a.ctx("audit.verify"))
	if err != nil {
		return AuditVerify{}, err
	}
	a.adminAction(a.ctx("audit.verify"), "audit.verify", "")
	out := AuditVerify{OK: res.OK, Checked: res.Checked, Indexed: res.Indexed, Detail: res.Detail, Nodes: res.Nodes}
	if !res.OK {
		out.Problem, out.Seq, out.Node = string(res.Problem), res.Seq, res.Node
	}
	return out, nil
}

// AuditReindex is what rebuilding the audit indexes changed.
type AuditReindex struct {
	Removed int `json:"removed"` // entries that pointed at no matching chained event
	Added   int `json:"added"`   // entries chained events were missing
}

// ReindexAudit rebuilds the audit log's indexes from its hash chain, the
// remedy when VerifyAudit reports problem "index". It refuses when the
// chain itself does not verify.
func (a *App) ReindexAudit() (AuditReindex, error) {
	if a.audit == nil {
		return AuditReindex{}, errNoAudit
	}
	ctx := context.Background()
	res, err := a.audit.Reindex(ctx)
	if errors.Is(err, audit.ErrChainNotIntact) {
		return AuditReindex{}, &Error{Status: http.StatusConflict,
			Message: "the hash chain itself does not verify (see latchkey audit verify); the indexes are rebuilt only from an intact chain"}
	}
	if err != nil {
		return AuditReindex{}, err
	}
	a.adminAction(ctx, "audit.reindex", fmt.Sprintf("removed %d, added %d", res.Removed, res.Added))
	return AuditReindex{Removed: res.Removed, Added: res.Added}, nil
}

// maxFilteredExport caps a filtered export (a whole-range export streams
// from the store and has no cap).
const maxFilteredExport = 200_000

// ExportAudit returns the events f selects, oldest first, as JSON lines.
// With only a time range the lines are exactly as stored, so the export's
// hash chain verifies outside Latchkey; with any other filter each line is
// still the stored entry with its own hash, but the chain has gaps.
func (a *App) ExportAudit(f AuditFilter) (string, error) {
	if a.audit == nil {
		return "", errNoAudit
	}
	af, err := f.filter()
	if err != nil {
		return "", err
	}
	ctx := a.ctx("audit.export")
	var buf bytes.Buffer
	if len(af.Types) == 0 && af.Outcome == "" && af.ClientID == "" && af.Subject == "" && af.RemoteIP == "" && af.Expr == "" {
		if _, err := a.audit.Export(ctx, af.From, af.To, &buf); err != nil {
			return "", err
		}
	} else if err := a.exportFiltered(ctx, af, &buf); err != nil {
		return "", err
	}
	a.adminAction(ctx, "audit.export", "")
	return buf.String(), nil
}

// exportFiltered pages through the query (newest first) and writes the
// entries oldest first.
func (a *App) exportFiltered(ctx context.Context, af audit.Filter, buf *bytes.Buffer) error {
	af.Limit, af.Cursor = audit.MaxLimit, ""
	var all []audit.Entry
	for {
		page, err := a.audit.Query(ctx, af)
		if err != nil {
			return auditError(err)
		}
		all = append(all, page.Entries...)
		if len(all) > maxFilteredExport {
			return invalid(fmt.Sprintf("more than %d events match: narrow the filter or the time range", maxFilteredExport))
		}
		if page.Next == "" {
			break
		}
		af.Cursor = page.Next
	}
	slices.Reverse(all)
	enc := json.NewEncoder(buf)
	for _, e := range all {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}
