package oidc

import (
	"context"
	"net/http"
	"net/url"

	"github.com/latchkey/latchkey/authcore"
)

// frontchannelPages is what Sessions may also offer: the signed-out page
// with front-channel logout frames (login.Manager has it). Without it
// front-channel logout is neither done nor advertised.
type frontchannelPages interface {
	SignedOutFrames(w http.ResponseWriter, frames []string, clientName, returnURI string, follow bool)
}

// frontchannelSupported reports whether the signed-out page can frame
// front-channel logout URIs (discovery's frontchannel_logout_supported).
func (p *Provider) frontchannelSupported() bool {
	_, ok := p.sessions.(frontchannelPages)
	return ok
}

// frontchannelFrames returns the front-channel logout URIs to frame for
// the ended session s (OIDC Front-Channel Logout 1.0 §3): one for each
// client the user consented to that registered a frontchannel_logout_uri,
// with iss and sid appended when the client asked for them
// (frontchannel_logout_session_required). A store failure is logged and
// frames nothing: the sign-out itself has happened.
func (p *Provider) frontchannelFrames(ctx context.Context, s authcore.Session) []string {
	consents, err := p.store.ListConsents(ctx, s.UserID)
	if err != nil {
		p.log.Error().Err(err).Msg("oidc: front-channel logout: list consents")
		return nil
	}
	var frames []string
	for _, cons := range consents {
		c, err := p.store.GetClient(ctx, cons.ClientID)
		if err != nil || c.FrontchannelLogoutURI == "" {
			continue
		}
		u := c.FrontchannelLogoutURI
		if c.FrontchannelLogoutSessionRequired {
			u += "?" + url.Values{"iss": {p.cfg.Issuer}, "sid": {s.SID()}}.Encode()
		}
		frames = append(frames, u)
	}
	return frames
}
