package authcore

// ClientRevocationJTI is the key on the revocation list that stands for
// every access token of a deleted client: deleting a client revokes it
// (until the longest access-token lifetime has passed), and the gateways
// and introspection check it beside the token's own jti. Client
// credentials tokens belong to no grant, so this is what stops them; it
// travels on the revocation feed like any jti, so standalone gateways and
// the other nodes learn of it the same way. A jti Latchkey issues never
// has this form.
func ClientRevocationJTI(clientID string) string { return "client:" + clientID }
