package flow

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// checkACR shows the ID token's sign-in claims (acr, amr with RFC 8176
// values, auth_time) and, when the request sent acr_values, checks that
// the acr is one of them: a server may answer a weaker sign-in than asked
// (acr_values is voluntary), and a client that needs the strength must
// notice.
func (r *runner) checkACR(s *Step, c map[string]any) {
	acr := claimString(c, "acr")
	var amr []string
	if list, ok := c["amr"].([]any); ok {
		for _, v := range list {
			if m, ok := v.(string); ok {
				amr = append(amr, m)
			}
		}
	}
	note := fmt.Sprintf("sign-in: acr %q, amr [%s]", acr, strings.Join(amr, " "))
	if at, ok := c["auth_time"].(float64); ok {
		note += ", auth_time " + time.Unix(int64(at), 0).UTC().Format(time.RFC3339)
	}
	s.note(note)
	asked := strings.Fields(r.o.ACRValues)
	if len(asked) == 0 {
		return
	}
	s.check(CheckACR, slices.Contains(asked, acr),
		fmt.Sprintf("asked acr_values %q, the ID token's acr is %q (OIDC Core §3.1.2.1)", r.o.ACRValues, acr))
}
