package cli

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey/audit"
)

// TestAuditTallyAgainstManifest: restore compares what it wrote of the
// audit log with the manifest per node, not only in total: a chain of
// one node cut short, or restored under another node, is refused even
// when the totals and the last head agree.
func TestAuditTallyAgainstManifest(t *testing.T) {
	a := audit.ChainHead{Seq: 3, Hash: strings.Repeat("a", 64)}
	b := audit.ChainHead{Seq: 4, Hash: strings.Repeat("b", 64)}
	m := backupManifest{AuditEvents: 7, AuditHead: b,
		AuditChains: []auditChain{{Node: "node-a", Events: 3, Head: a}, {Node: "node-b", Events: 4, Head: b}}}
	for name, c := range map[string]struct {
		add  func(*auditTally)
		want string
	}{
		"every chain": {func(t *auditTally) { t.add("node-a", a, 3); t.add("node-b", b, 4) }, ""},
		"a chain restored under another node": {func(t *auditTally) { t.add("node-c", a, 3); t.add("node-b", b, 4) },
			"the chains per node are node-c: 3 events"},
		"one chain short, the other long": {func(t *auditTally) {
			t.add("node-a", audit.ChainHead{Seq: 2, Hash: a.Hash}, 2)
			t.add("node-b", b, 5)
		}, "node-a: 2 events up to seq 2"},
		"a node missing": {func(t *auditTally) { t.add("node-b", b, 7) }, "the chains per node are node-b: 7 events"},
		"the last head":  {func(t *auditTally) { t.add("node-b", b, 4); t.add("node-a", a, 3) }, "7 events up to seq 3"},
	} {
		t.Run(name, func(t *testing.T) {
			var tally auditTally
			c.add(&tally)
			got := tally.mismatch(m)
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Errorf("mismatch = %q, want %q", got, c.want)
			}
		})
	}
	var single auditTally // a Badger backup: one unnamed chain, no chains in the manifest
	single.add("", b, 7)
	if got := single.mismatch(backupManifest{AuditEvents: 7, AuditHead: b}); got != "" {
		t.Errorf("a Badger backup's one chain: %q", got)
	}
}
