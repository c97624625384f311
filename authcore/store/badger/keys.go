package badger

import (
	"net/url"
	"strings"
)

// Key kinds. Every key is "v1/<kind>/<part>[/<part>...]"; each part is
// path-escaped, so a "/" inside an ID can never make one key a prefix of
// another kind's or another owner's keys. Bump the version prefix (and
// migrate) whenever a record's encoding changes incompatibly.
const (
	version = "v1"

	kindClient        = "client"
	kindUser          = "user"
	kindUsername      = "username"        // username -> user ID
	kindConsent       = "consent"         // <user>/<client>
	kindSession       = "session"         // <session id>
	kindSessionByUser = "session-by-user" // <user>/<session id> index
	kindScope         = "scope"
	kindCode          = "code"        // <code hash>
	kindGrant         = "grant"       // <grant id>
	kindGrantAT       = "grant-at"    // <grant id>/<expiry>/<jti>: its access tokens (access.go)
	kindRT            = "rt"          // <refresh token hash>
	kindRTByGrant     = "rt-by-grant" // <grant id>/<rt hash> index
	kindRevoked       = "revoked"     // <jti>
	kindKey           = "key"         // <signing key id>
	kindKeyset        = "keyset"      // "version": the signing keys' version
	kindNode          = "node"        // <node id>: heartbeats
	kindLease         = "lease"       // <lease name>
	kindSetting       = "setting"
	kindOnce          = "once"            // <kind>/<id>: single-use values (UseOnce)
	kindIDP           = "idp"             // <provider id>
	kindIDPIssuer     = "idp-issuer"      // <issuer> -> provider id
	kindFedLink       = "fedlink"         // <issuer>/<subject>
	kindFedLinkByUser = "fedlink-by-user" // <user>/<issuer>/<subject> index
	kindPAR           = "par"             // <request_uri hash>: pushed requests
	kindDevice        = "device"          // <device code hash>
	kindDeviceUser    = "device-user"     // <user code> -> device code hash
	kindFactor        = "factor"          // <user>/<factor id>: second factors
	kindPasskeyChal   = "passkey-chal"    // <challenge hash>: one WebAuthn ceremony
	kindCIBA          = "ciba"            // <auth_req_id hash>: backchannel requests
	kindCIBAUser      = "ciba-user"       // <user>/<auth_req_id hash> index
)

// key builds the key of one record of kind.
func key(kind string, parts ...string) []byte {
	var b strings.Builder
	b.WriteString(version)
	b.WriteByte('/')
	b.WriteString(kind)
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return []byte(b.String())
}

// prefix builds the prefix shared by every key of kind under parts.
func prefix(kind string, parts ...string) []byte {
	return append(key(kind, parts...), '/')
}

// lastPart returns the unescaped last part of a key.
func lastPart(k []byte) string {
	s := string(k)
	p := s[strings.LastIndexByte(s, '/')+1:]
	if u, err := url.PathUnescape(p); err == nil {
		return u
	}
	return p
}
