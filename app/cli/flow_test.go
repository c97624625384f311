package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/latchkey/latchkey/app"
)

// The flow tester, from the console API and from `latchkey flow run`,
// runs client credentials against a live server and records the steps.
func TestFlowTester(t *testing.T) {
	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	c, err := in.app.CreateTestClient("confidential")
	if err != nil {
		t.Fatal(err)
	}
	id, err := in.app.StartFlow(app.FlowInput{ClientID: c.ID, ClientSecret: c.Secret, Flow: "client_credentials", Scope: "orders:read"})
	if err != nil {
		t.Fatal(err)
	}
	var run app.FlowRun
	for deadline := time.Now().Add(10 * time.Second); !run.Done && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		run, _ = in.app.FlowStatus(id)
	}
	if !run.Done || run.Error != "" || len(run.Trace.Steps) < 2 {
		t.Fatalf("flow run: %+v", run)
	}
	curl, err := in.app.ExportFlow(id, "curl")
	if err != nil || !strings.Contains(curl, "curl") || strings.Contains(curl, c.Secret) {
		t.Fatalf("curl export leaks the secret or is empty: %v\n%s", err, curl)
	}

	code, out, errOut := runCLI(t, c.Secret+"\n", "flow", "run", "--issuer", in.issuer, "--client", c.ID,
		"--secret-stdin", "--flow", "client_credentials", "--scope", "orders:read", "--json")
	if code != 0 {
		t.Fatalf("flow run: %d %s", code, errOut)
	}
	var tr struct {
		Steps []json.RawMessage `json:"steps"`
		Error string            `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &tr); err != nil || tr.Error != "" || len(tr.Steps) < 2 {
		t.Fatalf("trace: %v %s", err, out)
	}
	if strings.Contains(out, c.Secret) {
		t.Fatal("the client secret is in the trace")
	}
}
