package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
)

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func sortBy[T any](s []T, key func(T) string, desc bool) {
	slices.SortStableFunc(s, func(x, y T) int {
		c := strings.Compare(key(x), key(y))
		if desc {
			return -c
		}
		return c
	})
}

// adminAction records an admin.action event naming the console's actor.
func (a *App) adminAction(ctx context.Context, action, target string) {
	a.srv.Audit.Record(ctx, audit.Event{
		Time: a.now(), Type: audit.AdminAction, Outcome: audit.Success,
		Actor: a.actor(), Details: map[string]any{"action": action, "target": target},
	})
}

// actor names who uses the console: the signed-in administrator in a
// browser, the CLI, or the local operator of the desktop window.
func (a *App) actor() string {
	if a.who != "" {
		return a.who
	}
	return "local:" + a.info.Mode
}

// registryError turns the registry's validation errors into messages the
// console shows as they are.
func registryError(err error) error {
	if msg, ok := authcore.PublicMessage(err, oauth.ErrInvalidRedirectURI, oauth.ErrInvalidClientMetadata); ok {
		return invalid(msg)
	}
	if errors.Is(err, oauth.ErrPublicClient) {
		return invalid("a public client has no secret to rotate")
	}
	return err
}
