package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/audit"
)

// auditFilterFlags registers the filters `audit tail|query` share.
func auditFilterFlags(fs *flag.FlagSet) *app.AuditFilter {
	var f app.AuditFilter
	fs.StringVar(&f.From, "from", "", "events at or after this RFC 3339 time")
	fs.StringVar(&f.To, "to", "", "events before this RFC 3339 time")
	fs.Func("type", "event type, e.g. login.failed (repeatable)", func(v string) error { f.Types = append(f.Types, v); return nil })
	fs.StringVar(&f.Outcome, "outcome", "", "success or failure")
	fs.StringVar(&f.ClientID, "client", "", "client id")
	fs.StringVar(&f.Subject, "subject", "", "subject (user id)")
	fs.StringVar(&f.RemoteIP, "remote", "", "remote address")
	fs.StringVar(&f.Expr, "expr", "", `gjson expression over the event, e.g. 'details.scope%"*admin*"'`)
	f.Limit = 50
	fs.Func("limit", "how many events, 1 to 1000 (default 50)", func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > audit.MaxLimit {
			return fmt.Errorf("must be a number from 1 to %d", audit.MaxLimit)
		}
		f.Limit = n
		return nil
	})
	return &f
}

func printEvents(es []audit.Entry) func(io.Writer) {
	return func(w io.Writer) {
		for _, e := range es {
			who := e.Actor
			if who == "" {
				who = e.Subject
			}
			line := fmt.Sprintf("%s\t%s\t%s\tclient=%s\twho=%s\tnode=%s", e.Time.Local().Format("2006-01-02 15:04:05"), e.Type, e.Outcome, e.ClientID, who, e.Node)
			if e.Reason != "" {
				line += "\treason=" + e.Reason
			}
			fmt.Fprintln(w, line)
		}
	}
}

func auditCommands() map[string]adminCmd {
	return map[string]adminCmd{
		"query": {help: "search the audit log, newest first", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			f := auditFilterFlags(fs)
			fs.StringVar(&f.Cursor, "cursor", "", "continue after the previous page (its \"next\" in --json output)")
			return func(c caller, _ []string, o *output) error {
				var page app.AuditPage
				if err := c.call("QueryAudit", &page, *f); err != nil {
					return err
				}
				return o.print(page, printEvents(page.Events))
			}
		}},
		"tail": {help: "print the latest events; --follow keeps printing new ones", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			f := auditFilterFlags(fs)
			follow := fs.Bool("follow", false, "keep printing new events until interrupted")
			return func(c caller, _ []string, o *output) error { return tail(c, *f, *follow, o) }
		}},
		"export": {help: "write events as JSON lines, oldest first (as stored; with only --from/--to the chain verifies)", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			f := auditFilterFlags(fs)
			return func(c caller, _ []string, o *output) error {
				var lines string
				if err := c.call("ExportAudit", &lines, *f); err != nil {
					return err
				}
				_, err := io.WriteString(o.w, lines)
				return err
			}
		}},
		"verify": {help: "walk the hash chain and check the indexes; name the first altered, removed or reordered event or damaged index", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var v app.AuditVerify
				if err := c.call("VerifyAudit", &v); err != nil {
					return err
				}
				if err := o.print(v, func(w io.Writer) {
					switch {
					case v.OK && v.Nodes > 0:
						fmt.Fprintf(w, "audit chains of %d nodes intact: %d events and %d index entries checked\n", v.Nodes, v.Checked, v.Indexed)
					case v.OK:
						fmt.Fprintf(w, "audit chain intact: %d events and %d index entries checked\n", v.Checked, v.Indexed)
					case v.Problem == string(audit.IndexDamaged):
						fmt.Fprintf(w, "audit index DAMAGED (the chain itself is intact; searches and filtered exports cannot be trusted): %s\n"+
							"rebuild the indexes from the chain with: latchkey audit reindex\n", v.Detail)
					case v.Node != "":
						fmt.Fprintf(w, "audit chain of node %s BROKEN at seq %d: %s (%s)\n", v.Node, v.Seq, v.Problem, v.Detail)
					default:
						fmt.Fprintf(w, "audit chain BROKEN at seq %d: %s (%s)\n", v.Seq, v.Problem, v.Detail)
					}
				}); err != nil {
					return err
				}
				if !v.OK {
					return fmt.Errorf("audit log verification failed: %s", v.Problem)
				}
				return nil
			}
		}},
		"reindex": {help: "rebuild the audit indexes from the hash chain (after verify reports a damaged index)", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var res app.AuditReindex
				if err := c.call("ReindexAudit", &res); err != nil {
					return err
				}
				return o.print(res, func(w io.Writer) {
					fmt.Fprintf(w, "audit indexes rebuilt from the chain: %d entries removed, %d added\n", res.Removed, res.Added)
				})
			}
		}},
	}
}

// tail prints the newest events oldest-first, then, with follow, polls for
// newer ones once a second until interrupted.
func tail(c caller, f app.AuditFilter, follow bool, o *output) error {
	var page app.AuditPage
	q := f
	if follow {
		q.Limit = audit.MaxLimit // the window the polls below compare with
	}
	if err := c.call("QueryAudit", &page, q); err != nil {
		return err
	}
	window := page.Events
	events := slices.Clone(page.Events[:min(f.Limit, len(page.Events))])
	slices.Reverse(events)
	emit := func(es []audit.Entry) error {
		if o.json {
			enc := json.NewEncoder(o.w)
			for _, e := range es {
				if err := enc.Encode(e); err != nil {
					return err
				}
			}
			return nil
		}
		return o.print(nil, printEvents(es))
	}
	if err := emit(events); err != nil || !follow {
		return err
	}
	// Seq alone is not an event's identity: each node of a PostgreSQL
	// store numbers its own chain, and a node's events may commit after
	// another's newer ones. An event is new when it was not in the
	// previous window of the newest events.
	printed := map[eventID]bool{}
	for _, e := range window {
		printed[eventID{e.Node, e.Seq}] = true
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return nil
		case <-tick.C:
		}
		q := f
		q.Limit, q.Cursor = audit.MaxLimit, ""
		if err := c.call("QueryAudit", &page, q); err != nil {
			if strings.Contains(err.Error(), "did not answer") {
				return err
			}
			continue
		}
		var fresh []audit.Entry
		window := make(map[eventID]bool, len(page.Events))
		for _, e := range page.Events {
			k := eventID{e.Node, e.Seq}
			window[k] = true
			if !printed[k] {
				fresh = append(fresh, e)
			}
		}
		printed = window
		slices.Reverse(fresh)
		if len(fresh) > 0 {
			if err := emit(fresh); err != nil {
				return err
			}
		}
	}
}

// eventID names one event across the nodes of a cluster.
type eventID struct {
	node string
	seq  uint64
}
