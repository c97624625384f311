package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/latchkey/latchkey/app"
)

// revokeTokens is `token revoke`: every live grant the filter matches is
// revoked through the console's RevokeGrant, one audit event each, as the
// Tokens screen does; --access-token-stdin revokes one access token
// (RevokeToken) read from standard input, never from the command line.
func revokeTokens(fs *flag.FlagSet) func(caller, []string, *output) error {
	var f tokenFilter
	f.register(fs)
	reason := fs.String("reason", "", "why (recorded in the audit log)")
	fromStdin := fs.Bool("access-token-stdin", false, "revoke the one access token read from standard input")
	return func(c caller, _ []string, o *output) error {
		filtered := f.client != "" || f.user != "" || f.kid != "" || f.grant != "" || f.scope != ""
		if *fromStdin {
			if filtered {
				return errors.New("--access-token-stdin revokes one token: give no filter with it")
			}
			return revokeAccessToken(c, o)
		}
		if !filtered {
			return errors.New("say what to revoke: --grant, --client, --user, --kid or --scope (or --access-token-stdin)")
		}
		gs, err := f.grants(c)
		if err != nil {
			return err
		}
		ids := []string{}
		for _, g := range gs {
			if err := c.call("RevokeGrant", nil, g.ID, *reason); err != nil {
				return fmt.Errorf("revoked %d grant(s), then %s: %w", len(ids), g.ID, err)
			}
			ids = append(ids, g.ID)
		}
		return o.print(map[string]any{"revoked": ids}, func(w io.Writer) {
			fmt.Fprintf(w, "revoked %d grant(s) and every token issued under them\n", len(ids))
			for _, id := range ids {
				fmt.Fprintln(w, id)
			}
		})
	}
}

func revokeAccessToken(c caller, o *output) error {
	raw, err := io.ReadAll(io.LimitReader(o.in, 64<<10))
	if err != nil {
		return err
	}
	tok := strings.TrimSpace(string(raw))
	if tok == "" {
		return errors.New("no access token on standard input")
	}
	var in app.TokenInspection
	if err := c.call("InspectToken", &in, tok); err != nil {
		return err
	}
	if err := c.call("RevokeToken", nil, tok); err != nil {
		return err
	}
	var claims struct {
		JTI string `json:"jti"`
	}
	_ = json.Unmarshal(in.Claims, &claims)
	return o.print(map[string]string{"revoked_jti": claims.JTI}, func(w io.Writer) {
		fmt.Fprintf(w, "revoked access token %s (its grant and refresh token stay; revoke the grant for those)\n", claims.JTI)
	})
}
