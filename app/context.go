package app

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
)

// within returns a view of a whose operations run in ctx: the browser
// console's request context, which carries the request id (for audit
// events and logs) and ends when the caller goes away.
func (a *App) within(ctx context.Context) *App {
	c := *a
	c.base = ctx
	return &c
}

// ctx returns the context of the console operation op: the request's
// context when the call came over HTTP (within), else Background for the
// desktop window and the local CLI. Its logger names op, so a store or
// audit failure logged under it says which operation it broke.
func (a *App) ctx(op string) context.Context {
	base := a.base
	if base == nil {
		base = context.Background()
	}
	l := zerolog.Ctx(base)
	if l.GetLevel() == zerolog.Disabled {
		return base
	}
	return l.With().Str("op", op).Logger().WithContext(base)
}

// internalMessage is what a caller sees of an internal failure: no
// detail, and the request id that finds the logged error.
func internalMessage(ctx context.Context) string {
	if info, ok := audit.RequestFrom(ctx); ok && info.ID != "" {
		return "internal error (request id " + info.ID + ")"
	}
	return "internal error"
}
