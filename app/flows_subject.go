package app

import (
	"github.com/latchkey/latchkey/app/flow"
	"github.com/latchkey/latchkey/authcore"
)

// SubjectOf is what the flow tester needs of a client to explain its
// sub: its subject type and, when pairwise, its sector.
func SubjectOf(c Client) *flow.SubjectInfo {
	if c.SubjectType == authcore.SubjectPairwise {
		return &flow.SubjectInfo{Type: flow.SubjectPairwise, Sector: c.Sector}
	}
	return &flow.SubjectInfo{Type: flow.SubjectPublic}
}

// flowSubject is the subject type of clientID when the flow runs against
// this server and the client is registered here; nil otherwise (the flow
// tester then judges from discovery).
func (a *App) flowSubject(issuer, clientID string) *flow.SubjectInfo {
	if issuer != a.info.Issuer {
		return nil
	}
	c, err := a.GetClient(clientID)
	if err != nil {
		return nil
	}
	return SubjectOf(c)
}
