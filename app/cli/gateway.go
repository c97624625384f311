package cli

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore/gateway"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/internal/gcfloor"
)

// runGateway runs `latchkey gateway --config FILE`: a standalone resource
// server in front of any API, trusting any OIDC issuer, that reloads its
// routes when the file changes (or on SIGHUP) without dropping requests.
func runGateway(args []string, env Env) error {
	var c common
	fs := newFlagSet("gateway", "Usage: latchkey gateway --config FILE [flags]\n\n"+
		"Runs a standalone API gateway: it verifies the issuer's access tokens locally,\n"+
		"follows its revocation feed, and proxies allowed requests to the upstreams.", env.Stderr)
	c.register(fs)
	cfgPath := fs.String("config", "", "gateway configuration file (JSON or YAML)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *cfgPath == "" {
		fs.Usage()
		return errUsage
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	fc, err := gateway.LoadConfig(*cfgPath)
	if err != nil {
		return err
	}
	dataDir, err := c.ensureDataDir()
	if err != nil {
		return err
	}
	alog, err := audit.Open(audit.Options{Dir: filepath.Join(dataDir, "gateway-audit"), Logger: &log})
	if err != nil {
		return err
	}
	defer alog.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gw, stop, err := gateway.Standalone(ctx, fc, alog, nil, log)
	if err != nil {
		return err
	}
	defer stop()
	ln, err := net.Listen("tcp", fc.Listen)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: server.Middleware(log, gw), ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: server.MaxHeaderBytes}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	gc := gcfloor.Start(gcfloor.DefaultHeadroom) // its live heap is small: see serve
	log.Info().Str("addr", ln.Addr().String()).Str("issuer", fc.Issuer).Int("routes", len(fc.Routes)).Str("gc", gc).Msg("gateway listening")
	go watchConfig(ctx, *cfgPath, gw, log)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-sig:
	case err = <-done:
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	_ = hs.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// watchConfig reloads the routes when the file changes or on SIGHUP. A bad
// file is logged and the running routes stay.
func watchConfig(ctx context.Context, path string, gw *gateway.Gateway, log zerolog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	mtime := func() time.Time {
		if fi, err := os.Stat(path); err == nil {
			return fi.ModTime()
		}
		return time.Time{}
	}
	last := mtime()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if m := mtime(); m.Equal(last) {
				continue
			} else {
				last = m
			}
		case <-hup:
		}
		fc, err := gateway.LoadConfig(path)
		if err == nil {
			err = gw.SetRoutes(fc.Routes)
		}
		if err != nil {
			log.Error().Err(err).Msg("gateway: config not reloaded; the previous routes stay")
			continue
		}
		log.Info().Int("routes", len(fc.Routes)).Msg("gateway: routes reloaded")
	}
}
