package gateway

import (
	"time"

	"github.com/latchkey/latchkey/authcore/jwkset"
	"github.com/latchkey/latchkey/authcore/tokencache"
)

// verifiedTTL bounds how long a verified token is trusted without
// checking its signature again. An entry also dies with the key set it was
// verified against: a rotation or an emergency key revocation (a new
// JWKS) empties the cache's effect at once.
const verifiedTTL = 30 * time.Second

const maxVerified = 10_000

// verifiedCache remembers tokens whose signature and claims verified, by
// SHA-256, until the earlier of exp + leeway and verifiedTTL, for the key
// set they verified against. Audience, binding, revocation, scopes and
// limits are still checked on every request.
type verifiedCache = tokencache.Cache[Identity, *jwkset.Set]

func newVerifiedCache() *verifiedCache { return tokencache.New[Identity, *jwkset.Set](maxVerified) }
