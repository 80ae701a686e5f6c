package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/onramp/onramp/internal/app"
	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/database"
)

// shutdownGrace bounds how long in-flight requests and jobs get on SIGTERM.
const shutdownGrace = 25 * time.Second

func serve(ctx context.Context, getenv config.Getenv, stderr io.Writer) error {
	cfg, err := config.Load(getenv, config.NeedServe)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if cfg.JWTKeyGenerated {
		log.Warn("JWT_PRIVATE_KEY is not set: signing with a random key; tokens stop working when the process restarts")
	}
	if cfg.SMTPURL == nil {
		log.Warn("SMTP_URL is not set: emails are written to the log instead of being sent")
	}

	db, err := database.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return err
	}
	defer db.Close()

	a, err := app.New(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		return fmt.Errorf("start background jobs: %w", err)
	}

	srv := &http.Server{
		Addr:              cfg.HTTPAddr,
		Handler:           a.Router,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	log.Info("serving", "addr", ln.Addr().String(), "public_url", cfg.PublicURL.String(), "env", cfg.Env)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}

	// SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then let
	// running jobs finish, all within the grace period.
	log.Info("shutting down", "grace", shutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("http shutdown", "err", err)
	}
	if err := a.Stop(shutdownCtx); err != nil {
		log.Error("stop background jobs", "err", err)
	}
	log.Info("stopped")
	return nil
}
