package server

import "github.com/latchkey/latchkey/authcore/passkey"

// newPasskeys returns the WebAuthn relying party of the issuer, or nil
// (passkeys off, said once in the log) when the issuer cannot be one:
// browsers refuse an IP address as relying-party ID.
func newPasskeys(cfg Config) *passkey.RP {
	rp, err := passkey.New(passkey.Config{Issuer: cfg.Issuer, Now: cfg.Now})
	if err != nil {
		cfg.Logger.Warn().Err(err).Msg("server: passkeys are off")
		return nil
	}
	return rp
}
