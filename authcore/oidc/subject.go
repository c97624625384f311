package oidc

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/authcore"
)

// subjectOf is the sub client c sees for the local user userID: the user
// id, or its pairwise identifier (OIDC Core §8.1) for a pairwise client.
// ID tokens, userinfo and logout tokens all use it.
func (p *Provider) subjectOf(c authcore.Client, userID string) string {
	return p.subjects.For(c, userID)
}

// localOfHint replaces the sub of a verified id_token_hint with the local
// user it names: the hint was issued to its azp (or single aud) client,
// and a pairwise sub is mapped through that client's sector and the
// hint's grant. A hint whose client is gone or whose sub maps to no user
// gets an empty sub, which matches no session: a pairwise sub of one
// sector is never taken for a user id. The hint's grant maps its sub;
// a pairwise hint whose grant ended maps to no user, without a scan.
func (p *Provider) localOfHint(ctx context.Context, c *hintClaims) error {
	id := c.AuthorizedParty
	if id == "" && len(c.Audience) == 1 {
		id = c.Audience[0]
	}
	cl, err := p.store.GetClient(ctx, id)
	if errors.Is(err, authcore.ErrNotFound) {
		if id == "" {
			return nil // no client to map through: a public sub as issued
		}
		c.Subject = ""
		return nil
	} else if err != nil {
		return err
	}
	if cl.Pairwise() && c.GrantID == "" {
		// Every ID token names its grant; a hint without one is older
		// than that and is not worth a pass over every user.
		c.Subject = ""
		return nil
	}
	local, err := p.subjects.Local(ctx, p.store, cl, c.Subject, c.GrantID)
	if errors.Is(err, authcore.ErrNotFound) {
		local, err = "", nil
	}
	c.Subject = local
	return err
}

// localOfAccess is the local user behind an access token's sub (the sub
// its client sees, pairwise or not), found through the token's client and
// grant; "" when it names no user.
func (p *Provider) localOfAccess(ctx context.Context, c *accessClaims) (string, error) {
	cl, err := p.store.GetClient(ctx, c.ClientID)
	if errors.Is(err, authcore.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	local, err := p.subjects.Local(ctx, p.store, cl, c.Subject, c.GrantID)
	if errors.Is(err, authcore.ErrNotFound) {
		return "", nil
	}
	return local, err
}
