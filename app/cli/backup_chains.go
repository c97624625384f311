package cli

import (
	"fmt"
	"io"
	"slices"

	"github.com/latchkey/latchkey/audit"
)

// auditChain is what a backup holds of one node's audit chain (on
// PostgreSQL, where every node extends a chain of its own).
type auditChain struct {
	Node   string          `json:"node"`
	Events int             `json:"events"`
	Head   audit.ChainHead `json:"head"`
}

// auditTally is what the audit section of a backup holds, or what a
// restore wrote of it: every chain's events, the head of the last one,
// and each named node's chain.
type auditTally struct {
	Events int
	Head   audit.ChainHead
	Chains []auditChain // nil for Badger's one unnamed chain
}

// add counts the chain of node: n events up to head.
func (t *auditTally) add(node string, head audit.ChainHead, n int) {
	if n == 0 {
		return
	}
	t.Events += n
	t.Head = head
	if node != "" {
		t.Chains = append(t.Chains, auditChain{Node: node, Events: n, Head: head})
	}
}

// addTail counts the chain of node whose lines went through tail.
func (t *auditTally) addTail(node string, tail *lineTail) error {
	head, err := tail.head()
	if err == nil {
		t.add(node, head, tail.lines)
	}
	return err
}

// mismatch says how t differs from what the manifest m records ("" when
// it does not): events and last head, and each node's chain.
func (t auditTally) mismatch(m backupManifest) string {
	if t.Events != m.AuditEvents || t.Head != m.AuditHead {
		return fmt.Sprintf("audit log: %d events up to seq %d, the manifest says %d up to seq %d",
			t.Events, t.Head.Seq, m.AuditEvents, m.AuditHead.Seq)
	}
	if !slices.Equal(t.Chains, m.AuditChains) {
		return fmt.Sprintf("audit log: the chains per node are %s, the manifest says %s", chainList(t.Chains), chainList(m.AuditChains))
	}
	return ""
}

// chainList is "node: N events up to seq S, ..." for an error.
func chainList(cs []auditChain) string {
	if len(cs) == 0 {
		return "none"
	}
	out := ""
	for i, c := range cs {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s: %d events up to seq %d", c.Node, c.Events, c.Head.Seq)
	}
	return out
}

// checkAuditChains reads the audit section chain by chain, writing
// nothing (checkSink).
func checkAuditChains(ar *auditReader) (auditTally, error) {
	var t auditTally
	for {
		node, r, ok, err := ar.chain()
		if err != nil || !ok {
			return t, err
		}
		var tail lineTail
		if _, err := io.Copy(&tail, r); err != nil {
			return t, err
		}
		if err := t.addTail(node, &tail); err != nil {
			return t, err
		}
	}
}
