package app

import (
	"context"

	"github.com/latchkey/latchkey/authcore"
)

// PairwiseSubject is the sub one pairwise client sees for a user (OIDC
// Core §8.1): what its ID tokens, access tokens and userinfo say.
type PairwiseSubject struct {
	ClientID   string `json:"client_id"`
	ClientName string `json:"client_name"`
	// Sector is the host the sub is computed for; clients of one sector
	// see the same sub.
	Sector  string `json:"sector"`
	Subject string `json:"subject"`
}

// UserSubjects lists, for a user (by id or username), the sub each
// pairwise client sees, ordered by client name. Public clients see the
// user id and are not listed.
func (a *App) UserSubjects(idOrName string) ([]PairwiseSubject, error) {
	ctx := a.ctx("user.subjects")
	u, err := a.findUser(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	cs, err := a.srv.OAuth.Clients(ctx)
	if err != nil {
		return nil, err
	}
	out := []PairwiseSubject{}
	for _, c := range cs {
		if c.Pairwise() {
			out = append(out, PairwiseSubject{ClientID: c.ID, ClientName: c.Name, Sector: c.Sector(),
				Subject: a.srv.OAuth.Subject(c, u.ID)})
		}
	}
	sortBy(out, func(p PairwiseSubject) string { return p.ClientName + "\x00" + p.ClientID }, false)
	return out, nil
}

// subjectsOf returns what maps a grant's client and user to the sub the
// client sees (the Tokens screen's Subject column); a client it cannot
// read keeps the user id.
func (a *App) subjectsOf(ctx context.Context) (func(clientID, userID string) string, error) {
	cs, err := a.srv.OAuth.Clients(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]authcore.Client, len(cs))
	for _, c := range cs {
		byID[c.ID] = c
	}
	return func(clientID, userID string) string {
		c, ok := byID[clientID]
		if !ok || userID == "" {
			return userID
		}
		return a.srv.OAuth.Subject(c, userID)
	}, nil
}

// subjectType is a client's subject_type as the console shows it.
func subjectType(c authcore.Client) string {
	if c.Pairwise() {
		return authcore.SubjectPairwise
	}
	return authcore.SubjectPublic
}
