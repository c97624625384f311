package oauth

import (
	"github.com/latchkey/latchkey/authcore"
)

// validateKeySpec checks the key material of spec against its auth
// method and copies it to c: private_key_jwt (OIDC Core §9, RFC 7591 §2
// jwks) needs an inline JWK Set that parseClientJWKS accepts; every other
// method takes none. jwks_uri (RFC 7591 §2) is refused: Latchkey does not
// fetch client keys, so it is not advertised either.
func validateKeySpec(c *authcore.Client, spec ClientSpec) error {
	bad := func(format string, a ...any) error {
		return authcore.Invalid(ErrInvalidClientMetadata, format, a...)
	}
	if spec.JWKSURI != "" {
		return bad("jwks_uri is not supported; register the keys inline as jwks")
	}
	if c.AuthMethod == authcore.AuthSelfSignedTLSClient {
		return validateCertJWKS(c, spec) // RFC 8705 §2.2, registry_binding.go
	}
	if c.AuthMethod != authcore.AuthPrivateKeyJWT {
		if spec.JWKS != "" {
			return bad("jwks is only used with private_key_jwt")
		}
		return nil
	}
	if spec.JWKS == "" {
		return bad("private_key_jwt needs a jwks")
	}
	if _, err := parseClientJWKS(spec.JWKS); err != nil {
		return bad("%v", err)
	}
	c.JWKS = spec.JWKS
	return nil
}
