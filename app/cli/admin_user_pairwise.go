package cli

import (
	"flag"
	"fmt"
	"io"

	"github.com/latchkey/latchkey/app"
)

// userSubjectsCommand is `latchkey user subjects USER`: the sub each
// pairwise client sees for the user (OIDC Core §8.1).
var userSubjectsCommand = adminCmd{args: "USER ", help: "show the pairwise sub each pairwise client sees for a user",
	flags: func(fs *flag.FlagSet) func(caller, []string, *output) error {
		return func(c caller, pos []string, o *output) error {
			var out []app.PairwiseSubject
			if err := c.call("UserSubjects", &out, pos[0]); err != nil {
				return err
			}
			return o.print(out, func(w io.Writer) {
				fmt.Fprintln(w, "CLIENT_ID\tNAME\tSECTOR\tSUB")
				for _, s := range out {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.ClientID, s.ClientName, s.Sector, s.Subject)
				}
			})
		}
	}}
