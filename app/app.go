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
	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/config"
	"github.com/onramp/onramp/database"
)

// App is the assembled service.
type App struct {
	Router http.Handler
	Signer *auth.Signer
	// Billing is exposed for wiring (seat policy, plan lookups) and tests.
	Billing *billing.Service

	log *slog.Logger
}

// New assembles the service from a validated configuration.
func New(ctx context.Context, cfg *config.Config, db *database.DB, log *slog.Logger) (*App, error) {
	signer := auth.NewSigner(Issuer(cfg.PublicURL), cfg.JWTKey)

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// ---- billing ----
	// A bad catalog stops the server here, with every problem listed.
	// Wiring for the other streams: billingSvc.SeatPolicy() is the
	// account.SeatPolicy, billingSvc.SetEvents(recorder) takes onboarding's
	// serverevent.Recorder, and billingSvc.PlanID / Subscription serve
	// onboarding's plan lookups.
	catalog, err := billing.LoadCatalog(cfg.PlansFile)
	if err != nil {
		return nil, err
	}
	if cfg.StripeSecretKey == "" {
		log.Warn("STRIPE_SECRET_KEY is not set: checkout, portal and seat changes answer 503")
	}
	if cfg.StripeWebhookSecret == "" {
		log.Warn("STRIPE_WEBHOOK_SECRET is not set: the Stripe webhook refuses every delivery (503)")
	}
	billingSvc := billing.NewService(billing.Config{
		DB:            db.Gorm,
		Catalog:       catalog,
		Stripe:        billing.NewStripeClient(cfg.StripeSecretKey, cfg.StripeAPIBase, log),
		Configured:    cfg.StripeSecretKey != "",
		WebhookSecret: cfg.StripeWebhookSecret,
		AutomaticTax:  cfg.StripeAutomaticTax,
		PublicURL:     cfg.PublicURL,
		PastDueGrace:  cfg.PastDueGrace,
		Log:           log,
	})

	router := api.New(api.Deps{
		Log:      log,
		DB:       db,
		Signer:   signer,
		OpenAPI:  onramp.OpenAPI,
		Registry: registry,
		Billing:  api.BillingDeps{Service: billingSvc},
	})
	return &App{Router: router, Signer: signer, Billing: billingSvc, log: log}, nil
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
