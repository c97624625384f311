package cli

import (
	"context"
	"time"
)

// drain turns /readyz to 503 and keeps serving for in.drainDelay (or
// until ctx ends), so a load balancer that polls it stops sending new
// requests before the listener closes; requests in flight then finish
// in http.Server.Shutdown.
func (in *instance) drain(ctx context.Context) {
	in.srv.Drain()
	if in.drainDelay <= 0 {
		return
	}
	in.log.Info().Dur("delay", in.drainDelay).Msg("draining: /readyz answers 503")
	t := time.NewTimer(in.drainDelay)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
