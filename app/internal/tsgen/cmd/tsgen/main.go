// Command tsgen writes frontend/src/lib/api.gen.ts, the TypeScript types of
// the console API (the exported methods of app.App and the DTOs they take
// and return). `go generate ./app` runs it; `make lint` runs it with
// -check, which fails when the committed file is stale.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"reflect"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/internal/tsgen"
)

const header = `The console API as the Go side defines it: every exported method of
app.App and the JSON of what it takes and returns. src/lib/api.ts builds the
views' typed API on these declarations; edit the Go types, then run
go generate ./app. A map or pointer field without omitempty may be null; a
nil slice arrives as null too, although typed as a list: api.ts fills the
lists a view relies on.`

func main() {
	out := flag.String("o", "frontend/src/lib/api.gen.ts", "the file to write")
	check := flag.Bool("check", false, "compare with the file instead of writing it; exit 1 when it differs")
	flag.Parse()
	var b bytes.Buffer
	err := tsgen.Generate(&b, tsgen.Config{
		Receiver:  reflect.TypeFor[*app.App](),
		Interface: "Methods",
		Names: map[string]string{
			"flow.Request": "FlowRequest", "flow.Response": "FlowResponse", "flow.Token": "FlowToken",
			"flow.Step": "FlowStep", "flow.Finding": "FlowFinding", "flow.Trace": "FlowTrace",
			"flow.Check": "FlowCheck", "flow.Signature": "FlowSignature", "flow.DeviceCode": "FlowDeviceCode",
			"gateway.CORS": "Cors", "audit.Entry": "AuditEvent", "audit.Type": "AuditType",
			"audit.Outcome": "AuditOutcome",
		},
		Structural: []string{"audit.Entry"},
		Header:     header,
		Command:    "app/internal/tsgen/cmd/tsgen (go generate ./app)",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if *check {
		old, err := os.ReadFile(*out)
		if err != nil || !bytes.Equal(old, b.Bytes()) {
			fmt.Fprintf(os.Stderr, "%s is stale: run go generate ./app and commit it\n", *out)
			os.Exit(1)
		}
		return
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
