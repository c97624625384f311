package audit

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/trace"
)

// Record implements Recorder: it fills request facts from ctx (see Fill),
// stamps the time when e.Time is zero, and queues e for the writer. When
// the buffer is full Record blocks until there is room (back-pressure); it
// never drops an event silently. A cancelled ctx does not abandon the
// event. After Close the event is refused, logged and counted as lost.
// e.Details must not be modified after the call (it is encoded later, on
// the writer goroutine, and handed to observers and subscribers as is).
func (l *Log) Record(ctx context.Context, e Event) {
	_, span := trace.SpanFromContext(ctx).TracerProvider().Tracer("latchkey/audit").Start(ctx, "audit.record")
	defer span.End()
	l.prepare(ctx, &e)
	_ = l.enqueue(context.WithoutCancel(ctx), &pending{ev: e})
}

// RecordSync records e and returns only once it is durable (committed and
// fsynced), for events that belong to a state change. An error means the
// event was not recorded, except ctx errors returned after it was queued,
// which mean its fate is unknown to the caller (it will still be written).
func (l *Log) RecordSync(ctx context.Context, e Event) error {
	ctx, span := trace.SpanFromContext(ctx).TracerProvider().Tracer("latchkey/audit").Start(ctx, "audit.write")
	defer span.End()
	l.prepare(ctx, &e)
	p := &pending{ev: e, done: make(chan error, 1)}
	if err := l.enqueue(ctx, p); err != nil {
		return err
	}
	return wait(ctx, p.done)
}

// Flush returns once every event queued before the call is durable.
func (l *Log) Flush(ctx context.Context) error {
	p := &pending{barrier: true, done: make(chan error, 1)}
	if err := l.enqueue(ctx, p); err != nil {
		return err
	}
	return wait(ctx, p.done)
}

func (l *Log) prepare(ctx context.Context, e *Event) {
	Fill(ctx, e)
	e.Node = l.opt.NodeID
	if e.Time.IsZero() {
		e.Time = l.opt.Now()
	}
}

// enqueue sends p to the writer; it gives up when ctx is done (Record
// passes a context that never is, so it waits for room as long as it takes).
// A caller that waits for p (RecordSync, Flush) ends the writer's linger.
func (l *Log) enqueue(ctx context.Context, p *pending) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		if !p.barrier {
			l.reportLost(&p.ev, ErrClosed)
		}
		return ErrClosed
	}
	select {
	case l.queue <- p:
		if p.done != nil {
			l.hurry()
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("audit: event not recorded: %w", ctx.Err())
	}
}

func wait(ctx context.Context, done <-chan error) error {
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("audit: waiting for commit: %w", ctx.Err())
	}
}

// reportLost logs an event that could not be recorded and counts it.
func (l *Log) reportLost(e *Event, err error) {
	l.lost.Add(1)
	l.log.Error().Err(err).Str("type", string(e.Type)).
		Str("request_id", e.RequestID).Msg("audit: event lost")
}
