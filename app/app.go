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
	"github.com/riverqueue/river"

	"github.com/onramp/onramp"
	"github.com/onramp/onramp/account"
	"github.com/onramp/onramp/api"
	"github.com/onramp/onramp/auth"
	"github.com/onramp/onramp/config"
	"github.com/onramp/onramp/database"
	"github.com/onramp/onramp/idempotency"
	"github.com/onramp/onramp/mail"
)

// App is the assembled service.
type App struct {
	Router http.Handler
	Signer *auth.Signer
	Mailer *mail.Outbox

	jobs *mail.Workers
	log  *slog.Logger
}

// New assembles the service from a validated configuration.
func New(ctx context.Context, cfg *config.Config, db *database.DB, log *slog.Logger) (*App, error) {
	signer := auth.NewSigner(Issuer(cfg.PublicURL), cfg.JWTKey)

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	outbox, err := mail.NewOutbox(db.SQL())
	if err != nil {
		return nil, err
	}
	idem := idempotency.NewStore(db.Gorm)
	// accounts (billing plugs in Seats, onboarding plugs in Events)
	accounts := account.NewService(account.Config{
		DB: db.Gorm, Signer: signer, Mailer: outbox, PublicURL: cfg.PublicURL,
		SignupRateLimit: cfg.SignupRateLimit, Log: log.With("component", "account"),
	})

	jobs, err := mail.NewWorkers(db.Pool, mail.WorkerConfig{
		Sender:       newSender(cfg, log),
		Log:          log,
		PollInterval: cfg.JobPollInterval,
		Periodic:     []*river.PeriodicJob{pruneJob()},
		Register:     func(w *river.Workers) { river.AddWorker(w, &pruneWorker{idempotency: idem, accounts: accounts, log: log}) },
	})
	if err != nil {
		return nil, err
	}

	router := api.New(api.Deps{
		Log:         log,
		DB:          db,
		Signer:      signer,
		OpenAPI:     onramp.OpenAPI,
		Registry:    registry,
		Idempotency: idem,
		Accounts:    api.AccountDeps{Service: accounts},
	})
	return &App{Router: router, Signer: signer, Mailer: outbox, jobs: jobs, log: log}, nil
}

// newSender delivers over SMTP_URL, or logs messages when it is unset (with
// their bodies, links included, only in development).
func newSender(cfg *config.Config, log *slog.Logger) mail.Sender {
	if cfg.SMTPURL != nil {
		return mail.NewSMTPSender(cfg.SMTPURL, cfg.MailFrom)
	}
	return mail.LogSender{Log: log.With("component", "mail"), ShowBody: cfg.Env == "development"}
}

// Start starts background work (job workers).
func (a *App) Start(ctx context.Context) error { return a.jobs.Start(ctx) }

// Stop waits for background work to finish, up to ctx's deadline.
func (a *App) Stop(ctx context.Context) error { return a.jobs.Stop(ctx) }

// Issuer is the iss claim of access tokens: the public URL of the service.
func Issuer(public *url.URL) string {
	if public == nil {
		return "onramp"
	}
	return fmt.Sprint(public)
}
