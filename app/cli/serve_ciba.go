package cli

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/latchkey/latchkey/authcore/oauth"
)

// cibaFlags configure OpenID Connect CIBA (backchannel authentication)
// in `latchkey serve`.
type cibaFlags struct {
	off          bool
	channelURL   string
	channelToken string // a file holding the channel webhook's bearer
	allowPrivate bool
}

func (f *cibaFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.off, "ciba-off", false, "turn CIBA (OpenID Client-Initiated Backchannel Authentication, /bc-authorize) off")
	fs.StringVar(&f.channelURL, "ciba-channel-url", "", "authentication channel: a webhook told of every CIBA request (request id, user, client, binding message) so your organisation can push it to the user's phone")
	fs.StringVar(&f.channelToken, "ciba-channel-token-file", "", "file holding the bearer token sent to --ciba-channel-url")
	fs.BoolVar(&f.allowPrivate, "ciba-allow-private", false, "let CIBA pings of clients an administrator registered, and the channel webhook, reach loopback and private addresses")
}

// config is the oauth.CIBAConfig of the flags.
func (f *cibaFlags) config() (oauth.CIBAConfig, error) {
	cfg := oauth.CIBAConfig{Disabled: f.off, AllowPrivate: f.allowPrivate}
	if f.channelURL != "" && !strings.HasPrefix(f.channelURL, "https://") && !f.allowPrivate {
		return cfg, fmt.Errorf("--ciba-channel-url must be https (plain http only with --ciba-allow-private, for a local receiver)")
	}
	cfg.Channel.URL = f.channelURL
	if f.channelToken != "" {
		raw, err := os.ReadFile(f.channelToken)
		if err != nil {
			return cfg, fmt.Errorf("--ciba-channel-token-file: %w", err)
		}
		cfg.Channel.Token = strings.TrimSpace(string(raw))
	}
	return cfg, nil
}
