package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// queryTracer gives every statement a child span of the request's span,
// named store.query with the statement's first keyword (db.operation):
// never its text or arguments, which may hold hashes, sealed secrets or
// user names. Without a recording span in the context it does nothing,
// so it costs one interface check per query when tracing is off.
type queryTracer struct{}

func (queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	ctx, _ = startQuery(ctx, data.SQL)
	return ctx
}

func (queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		endQuery(span, data.Err)
	}
}

// startQuery starts sql's store.query span under ctx's, with more
// attributes, if ctx's span records; otherwise it returns ctx and nil.
func startQuery(ctx context.Context, sql string, more ...attribute.KeyValue) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return ctx, nil
	}
	attrs := append([]attribute.KeyValue{attribute.String("db.system", "postgresql"),
		attribute.String("db.operation", operation(sql))}, more...)
	return parent.TracerProvider().Tracer("latchkey/store").Start(ctx, "store.query", trace.WithAttributes(attrs...))
}

// endQuery ends a store.query span, marked failed when err is not nil
// (never with err's text, which may quote values).
func endQuery(span trace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, "query failed")
	}
	span.End()
}

// operation is the first keyword of a statement, upper-cased (SELECT,
// INSERT, WITH ...), or "" when it does not start with a letter.
func operation(sql string) string {
	f := strings.Fields(sql)
	if len(f) == 0 {
		return ""
	}
	w := f[0]
	for _, r := range w {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return ""
		}
	}
	return strings.ToUpper(w)
}

// groupSpans gives each traced caller of a group (familyreads.go,
// rotations.go) the store.query span its statement would have had on
// its own: the group goes to the database as one pipeline, which pgx
// traces for nobody, and each statement in it is one caller's. The span
// says how many statements shared the round trip (db.group_size). end
// closes them, each marked failed when the group failed.
func groupSpans(ctxs []context.Context, sql string) (end func(err error)) {
	var spans []trace.Span
	for _, ctx := range ctxs {
		if _, span := startQuery(ctx, sql, attribute.Int("db.group_size", len(ctxs))); span != nil {
			spans = append(spans, span)
		}
	}
	return func(err error) {
		for _, span := range spans {
			endQuery(span, err)
		}
	}
}
