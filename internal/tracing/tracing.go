// Package tracing sets up OpenTelemetry traces for latchkey serve: an
// OTLP/HTTP exporter when an endpoint is configured (--otel-endpoint),
// nothing at all otherwise. Spans carry no secret: the request span names
// the method and path (never the query), child spans their operation.
//
// Packages below add child spans through the span in the request's
// context (trace.SpanFromContext(ctx).TracerProvider()), so they need no
// tracer of their own and cost next to nothing when tracing is off.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Tracing is the process's tracer provider; the zero value (Endpoint
// empty) traces nothing.
type Tracing struct {
	tp *sdktrace.TracerProvider
}

// New exports spans to the OTLP/HTTP endpoint (a URL such as
// http://collector:4318, the path /v1/traces added when it has none);
// an empty endpoint returns a Tracing that does nothing.
func New(ctx context.Context, endpoint, version string) (*Tracing, error) {
	if endpoint == "" {
		return &Tracing{}, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--otel-endpoint: want an http:// or https:// URL, got %q", endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u.String()))
	if err != nil {
		return nil, fmt.Errorf("--otel-endpoint: %w", err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", "latchkey"), attribute.String("service.version", version))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(2*time.Second)), sdktrace.WithResource(res))
	return &Tracing{tp: tp}, nil
}

// Enabled reports whether spans are exported.
func (t *Tracing) Enabled() bool { return t != nil && t.tp != nil }

// Handler wraps h in a span per request (otelhttp), named after the
// method and path, continuing a W3C trace context the caller sent. When
// tracing is off it returns h itself.
func (t *Tracing) Handler(h http.Handler) http.Handler {
	if !t.Enabled() {
		return h
	}
	return otelhttp.NewHandler(h, "latchkey",
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
}

// Shutdown exports what is buffered and stops.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	return t.tp.Shutdown(ctx)
}
