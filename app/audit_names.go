package app

import (
	"context"

	"github.com/latchkey/latchkey/audit"
)

// auditNames resolves the ids in es that name a user or a client, each once.
// A failed lookup leaves the id unnamed: the console then shows the id,
// which is what the event stored.
func (a *App) auditNames(ctx context.Context, es []audit.Entry) map[string]string {
	names := map[string]string{}
	tried := map[string]bool{}
	for _, e := range es {
		for _, id := range []string{e.Actor, e.Subject, e.ClientID} {
			if id == "" || tried[id] {
				continue
			}
			tried[id] = true
			if n := a.nameOf(ctx, id); n != "" {
				names[id] = n
			}
		}
	}
	return names
}

// nameOf is the username of user id, else the name of client id, else "".
func (a *App) nameOf(ctx context.Context, id string) string {
	if u, err := a.srv.Store.GetUser(ctx, id); err == nil {
		return u.Username
	}
	if c, err := a.srv.OAuth.Client(ctx, id); err == nil {
		return c.Name
	}
	return ""
}
