package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/flow"
)

// readDetails is the --authorization-details value: the JSON itself, or
// the content of the file after an @.
func readDetails(v string) (string, error) {
	if name, ok := strings.CutPrefix(v, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("--authorization-details: %w", err)
		}
		return string(b), nil
	}
	return v, nil
}

// clientSubject reads the client's registration as `latchkey client
// show` does (the data directory, or the server running on it) for the
// flow tester to explain its sub.
func clientSubject(c *common, clientID string) (*flow.SubjectInfo, error) {
	cl, err := connect(c)
	if err != nil {
		return nil, fmt.Errorf("--admin: %w", err)
	}
	defer cl.close()
	var out app.Client
	if err := cl.call("GetClient", &out, clientID); err != nil {
		return nil, fmt.Errorf("--admin: client %s: %w", clientID, err)
	}
	return app.SubjectOf(out), nil
}
