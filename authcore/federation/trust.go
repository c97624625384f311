package federation

import "github.com/latchkey/latchkey/authcore"

// trustedAuth is the acr and amr a brokered session keeps: the
// provider's, when the administrator trusts it for them
// (IdentityProvider.TrustAuthContext); none otherwise, so an upstream
// token cannot claim a strength (urn:latchkey:acr:mfa, say) that Latchkey
// never checked.
func trustedAuth(p authcore.IdentityProvider, id authcore.ExternalIdentity) (string, []string) {
	if !p.TrustAuthContext {
		return "", nil
	}
	return id.ACR, id.AMR
}
