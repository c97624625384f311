package cli

import (
	"context"
	"flag"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/internal/tracing"
)

// registerTracing adds --otel-endpoint.
func (f *serveFlags) registerTracing(fs *flag.FlagSet) {
	fs.StringVar(&f.otelEndpoint, "otel-endpoint", "", "send OpenTelemetry traces to this OTLP/HTTP endpoint (e.g. http://collector:4318); empty: no tracing. Spans name operations, never a token or secret")
}

// tracing starts the exporter --otel-endpoint names (nothing without it).
func (f *serveFlags) tracing(ctx context.Context) (*tracing.Tracing, error) {
	return tracing.New(ctx, f.otelEndpoint, app.Version)
}
