package cli

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/latchkey/latchkey/app"
)

// detailTypeCommands manage the RFC 9396 authorization_details types:
// `latchkey detail-type create|list|update|delete`.
func detailTypeCommands() map[string]adminCmd {
	write := func(method string, update bool) func(fs *flag.FlagSet) func(caller, []string, *output) error {
		return func(fs *flag.FlagSet) func(caller, []string, *output) error {
			desc := fs.String("description", "", "the administrator's note on the type")
			schema := fs.String("schema", "", "file holding the JSON Schema (draft 2020-12) of the type's objects")
			consent := fs.String("consent", "", `consent page sentence, e.g. "Pay {{amount}} {{currency}} to {{creditorName}}"`)
			return func(c caller, pos []string, o *output) error {
				in := app.DetailTypeInput{Type: pos[0], Description: *desc, ConsentTemplate: *consent}
				set := map[string]bool{}
				fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
				if update { // keep what the flags leave out
					cur, err := findDetailType(c, pos[0])
					if err != nil {
						return err
					}
					in = keepDetailType(in, cur, set)
				}
				if set["schema"] {
					raw, err := os.ReadFile(*schema)
					if err != nil {
						return err
					}
					in.Schema = string(raw)
				} else if !update {
					return fmt.Errorf("--schema FILE is required")
				}
				var out app.DetailType
				if err := c.call(method, &out, in); err != nil {
					return err
				}
				return o.print(out, func(w io.Writer) { fmt.Fprintf(w, "%s\t%s\n", out.Type, out.ConsentTemplate) })
			}
		}
	}
	return map[string]adminCmd{
		"create": {args: "TYPE ", help: "register an authorization_details type (RFC 9396)", flags: write("CreateAuthorizationDetailType", false)},
		"update": {args: "TYPE ", help: "replace a type's description, schema and consent sentence", flags: write("UpdateAuthorizationDetailType", true)},
		"list": {help: "list authorization_details types", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, _ []string, o *output) error {
				var out []app.DetailType
				if err := c.call("ListAuthorizationDetailTypes", &out); err != nil {
					return err
				}
				return o.print(out, func(w io.Writer) {
					fmt.Fprintln(w, "TYPE\tCONSENT\tDESCRIPTION")
					for _, t := range out {
						fmt.Fprintf(w, "%s\t%s\t%s\n", t.Type, t.ConsentTemplate, t.Description)
					}
				})
			}
		}},
		"delete": {args: "TYPE ", help: "remove a type; requests for it fail from now on", flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
			return func(c caller, pos []string, o *output) error {
				if err := c.call("DeleteAuthorizationDetailType", nil, pos[0]); err != nil {
					return err
				}
				return o.print(map[string]any{"deleted": pos[0]}, func(w io.Writer) { fmt.Fprintf(w, "deleted %s\n", pos[0]) })
			}
		}},
	}
}

// findDetailType returns the registered type name.
func findDetailType(c caller, name string) (app.DetailType, error) {
	var all []app.DetailType
	if err := c.call("ListAuthorizationDetailTypes", &all); err != nil {
		return app.DetailType{}, err
	}
	for _, t := range all {
		if t.Type == name {
			return t, nil
		}
	}
	return app.DetailType{}, fmt.Errorf("no authorization_details type %q", name)
}

// keepDetailType fills the fields whose flags were not set from cur.
func keepDetailType(in app.DetailTypeInput, cur app.DetailType, set map[string]bool) app.DetailTypeInput {
	if !set["description"] {
		in.Description = cur.Description
	}
	if !set["consent"] {
		in.ConsentTemplate = cur.ConsentTemplate
	}
	in.Schema = cur.Schema
	return in
}
