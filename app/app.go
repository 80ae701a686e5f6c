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
	"github.com/onramp/onramp/onboarding"
)

// App is the assembled service.
type App struct {
	Router http.Handler
	Signer *auth.Signer
	// Onboarding records server-side events (serverevent.Recorder) and
	// serves the checklist, events, admin and metrics routes.
	Onboarding *onboarding.Service

	log *slog.Logger
}

// New assembles the service from a validated configuration.
func New(ctx context.Context, cfg *config.Config, db *database.DB, log *slog.Logger) (*App, error) {
	signer := auth.NewSigner(Issuer(cfg.PublicURL), cfg.JWTKey)

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// Onboarding. TODO(lead, at merge): pass billing as Plans
	// (PlanID(ctx, db, orgID)) and a SubscriptionLookup for the support view,
	// and this service as the serverevent.Recorder of account and billing.
	onboardingSvc := onboarding.NewService(onboarding.Config{DB: db.Gorm, Log: log})

	router := api.New(api.Deps{
		Log:      log,
		DB:       db,
		Signer:   signer,
		OpenAPI:  onramp.OpenAPI,
		Registry: registry,

		Onboarding: api.OnboardingDeps{Service: onboardingSvc},
	})
	return &App{Router: router, Signer: signer, Onboarding: onboardingSvc, log: log}, nil
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
