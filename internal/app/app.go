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

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/onramp/onramp"
	"github.com/onramp/onramp/api"
	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apikeys"
	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/clock"
	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/idempotency"
	"github.com/onramp/onramp/internal/jobs"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/unsubscribe"
	"github.com/onramp/onramp/internal/web"
	accountpages "github.com/onramp/onramp/internal/web/accounts"
	"github.com/onramp/onramp/internal/web/console"
	"github.com/onramp/onramp/internal/web/page"
	"github.com/onramp/onramp/internal/webhooks"
	"github.com/onramp/onramp/onboarding"
	"github.com/onramp/onramp/onboarding/nudge"
)

// App is the assembled service.
type App struct {
	Router http.Handler
	Signer *auth.Signer
	Mailer *jobs.Mailer
	// Billing is exposed for wiring (seat policy, plan lookups) and tests.
	Billing *billing.Service
	// Onboarding records server-side events (serverevent.Recorder) and
	// serves the checklist, events, admin and metrics routes.
	Onboarding *onboarding.Service
	// Nudges runs the reminder rules, their sweep and their effect.
	Nudges *nudge.Service
	// Unsubscribe makes the List-Unsubscribe links of optional emails
	// (and tests' tokens).
	Unsubscribe *unsubscribe.Signer
	// Accounts is exposed for wiring and tests (invitation reminder links).
	Accounts *account.Service
	// Webhooks delivers outbound webhooks (exposed for tests).
	Webhooks *webhooks.Service

	jobs *jobs.Runner
	log  *slog.Logger
}

// New assembles the service from a validated configuration.
func New(ctx context.Context, cfg *config.Config, db *database.DB, log *slog.Logger) (*App, error) {
	signer := auth.NewSigner(Issuer(cfg.PublicURL), cfg.JWTKey)

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), db.PoolCollector())

	queue, err := jobs.NewQueue(db)
	if err != nil {
		return nil, err
	}
	outbox := jobs.NewMailer(queue)
	idem, err := idempotency.NewStore(db, cfg.UnsubscribeKey)
	if err != nil {
		return nil, err
	}

	// ---- billing ----
	// A bad catalog stops the server here, with every problem listed.
	// Built before accounts: billingSvc.SeatPolicy() bounds invitations.
	// Onboarding's serverevent.Recorder goes in with billingSvc.SetEvents,
	// and billingSvc.PlanID / Subscription serve its plan lookups.
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
		DB:            db,
		Catalog:       catalog,
		Stripe:        billing.NewStripeClient(cfg.StripeSecretKey, cfg.StripeAPIBase, cfg.StripeTimeout, log),
		Configured:    cfg.StripeSecretKey != "",
		WebhookSecret: cfg.StripeWebhookSecret,
		AutomaticTax:  cfg.StripeAutomaticTax,
		PublicURL:     cfg.PublicURL,
		AppURL:        cfg.AppURL,
		PastDueGrace:  cfg.PastDueGrace,
		Mailer:        outbox,
		LinkSecret:    cfg.UnsubscribeKey,
		DefaultLocale: cfg.DefaultLocale,
		// Made by `onramp stripe setup`; unset: the account's default.
		PortalConfiguration: cfg.StripePortalConfiguration,
		Log:                 log,
		Clock:               cfg.Clock,
	})

	// ---- onboarding ----
	// It records the server-side events of accounts and billing in their
	// transactions, reads plans (audience rules) and subscriptions (support
	// view) from billing.
	onboardingSvc := onboarding.NewService(onboarding.Config{
		DB: db, Log: log.With("component", "onboarding"),
		Plans:          billingSvc,
		MinGroupSize:   cfg.MinGroupSize,
		EventRetention: cfg.EventRetention,
		Subscriptions: func(ctx context.Context, orgID uuid.UUID) (any, error) {
			return billingSvc.Subscription(ctx, orgID) // NotFound: the view shows null
		},
		Clock:        cfg.Clock,
		FunnelStages: jobs.NewFunnelStages(queue),
	})
	billingSvc.SetEvents(onboardingSvc)

	// ---- integrations ----
	// Outbound webhooks audit through onboarding's log, and onboarding
	// publishes to them (activations, steps, and the subscription changes
	// and joins that billing and accounts record through it). Server keys
	// send events for members; staff manage both, audited.
	hooks := webhooks.NewService(webhooks.Config{DB: db, Queue: jobs.NewWebhookDeliveries(queue), Audit: onboardingSvc, Clock: cfg.Clock,
		Log: log.With("component", "webhooks"), AllowPrivate: cfg.WebhookAllowPrivate})
	onboardingSvc.SetWebhooks(hooks)
	keys := apikeys.NewService(apikeys.Config{DB: db, Audit: onboardingSvc, Clock: cfg.Clock, RateLimit: cfg.APIKeyRateLimit})

	unsubscribeLinks, err := unsubscribe.NewSigner(cfg.UnsubscribeKey, cfg.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("UNSUBSCRIBE_SECRET: %w", err)
	}

	// accounts (billing plugs in Seats, onboarding plugs in Events and the
	// person's own data for export and erasure)
	accounts := account.NewService(account.Config{
		DB: db, Signer: signer, Mailer: outbox, PasswordResets: jobs.NewPasswordResets(queue), PublicURL: cfg.PublicURL,
		SignupRateLimit: cfg.SignupRateLimit, DefaultLocale: cfg.DefaultLocale, Log: log.With("component", "account"),
		Unsubscribe: unsubscribeLinks,
		Seats:       billingSvc.SeatPolicy(), Events: onboardingSvc, PersonalData: onboardingSvc, Clock: cfg.Clock,
	})

	// nudges: reminders about onboarding, through one set of guardrails
	nudges := nudge.NewService(nudge.Config{
		DB: db, Audit: onboardingSvc, Mailer: outbox, Unsubscribe: unsubscribeLinks, Invitations: accounts,
		Clock: cfg.Clock, Log: log.With("component", "nudges"), AppURL: appLinks(cfg), MinGroupSize: cfg.MinGroupSize,
		DefaultLocale: cfg.DefaultLocale,
		Policy: nudge.Policy{WeeklyCap: cfg.NudgeWeeklyCap,
			Quiet: nudge.QuietHours{From: cfg.NudgeQuietHours[0], To: cfg.NudgeQuietHours[1]}},
	})

	workers := river.NewWorkers()
	jobs.AddEmailWorker(workers, newSender(cfg, log), db, log)
	jobs.AddPasswordResetWorker(workers, accounts.SendPasswordReset)
	jobs.AddWebhookWorker(workers, hooks.Deliver, clock.Or(cfg.Clock).Now)
	jobs.AddPruneWorker(workers, pruneExpired(idem, accounts, hooks, log))
	jobs.AddEventPruneWorker(workers, func(ctx context.Context) error {
		_, err := onboardingSvc.PruneExpiredEvents(ctx)
		return err
	})
	jobs.AddActiveRecountWorker(workers, func(ctx context.Context) error {
		_, err := onboardingSvc.RecountActiveMembers(ctx)
		return err
	})
	jobs.AddFunnelStagesWorker(workers, func(ctx context.Context) error {
		_, err := onboardingSvc.RecomputeFunnelStages(ctx)
		return err
	})
	jobs.AddRollupFoldWorker(workers, func(ctx context.Context) error {
		_, err := onboardingSvc.FoldRollupShards(ctx)
		return err
	})
	jobs.AddEventPartitionsWorker(workers, func(ctx context.Context) error {
		_, err := onboardingSvc.EnsureEventPartitions(ctx)
		return err
	})
	jobs.AddCohortMediansWorker(workers, func(ctx context.Context) error {
		_, err := onboardingSvc.RefreshCohortMedians(ctx)
		return err
	})
	jobs.AddNudgeSweepWorker(workers, func(ctx context.Context) error {
		_, err := nudges.Sweep(ctx, nudge.SweepOptions{})
		return err
	})
	periodic := []*river.PeriodicJob{jobs.PruneJob(), jobs.EventPruneJob(), jobs.ActiveRecountJob(), jobs.FunnelStagesJob(), jobs.RollupFoldJob(), jobs.CohortMediansJob(), jobs.EventPartitionsJob()}
	// Tests leave the interval at zero and sweep when they say.
	if cfg.NudgeSweepInterval > 0 {
		periodic = append(periodic, jobs.NudgeSweepJob(cfg.NudgeSweepInterval))
	}
	runner, err := jobs.NewRunner(db.Pool, jobs.RunnerConfig{
		Log:          log,
		Workers:      workers,
		PollInterval: cfg.JobPollInterval,
		Periodic:     periodic,
	})
	if err != nil {
		return nil, err
	}

	router := api.New(api.Deps{
		Log:            log,
		DB:             db,
		Signer:         signer,
		OpenAPI:        onramp.OpenAPI,
		Registry:       registry,
		Idempotency:    idem,
		TrustedProxies: cfg.TrustedProxies,
		Accounts:       api.AccountDeps{Service: accounts},
		Billing:        api.BillingDeps{Service: billingSvc},
		Onboarding:     api.OnboardingDeps{Service: onboardingSvc},
		Nudges:         api.NudgeDeps{Service: nudges},
		Integrations:   api.IntegrationDeps{Keys: keys, Webhooks: hooks},
		CORSOrigins:    cfg.CORSOrigins,
	})
	// The account pages and the PM console, on the same router and
	// services as the API.
	err = web.Mount(router, web.Deps{
		Site: page.Options{Secure: cfg.Env != "development", DefaultLocale: cfg.DefaultLocale, Log: log.With("component", "pages")},
		Accounts: accountpages.Config{Accounts: accounts, Billing: billingSvc, AppURL: cfg.AppURL, Secret: cfg.UnsubscribeKey, Once: idem,
			Clock: cfg.Clock, Log: log.With("component", "account_pages")},
		Console: console.Deps{Accounts: accounts, Onboarding: onboardingSvc, Nudges: nudges},
	})
	if err != nil {
		return nil, fmt.Errorf("web pages: %w", err)
	}
	return &App{Router: router, Signer: signer, Mailer: outbox, Billing: billingSvc, Onboarding: onboardingSvc, Nudges: nudges,
		Unsubscribe: unsubscribeLinks, Accounts: accounts, Webhooks: hooks, jobs: runner, log: log}, nil
}

// appLinks is where reminders send people: the customer's application
// (APP_URL), else this service.
func appLinks(cfg *config.Config) *url.URL {
	if cfg.AppURL != nil {
		return cfg.AppURL
	}
	return cfg.PublicURL
}

// pruneExpired deletes expired idempotency keys, rate-limit hits, tokens
// and webhook deliveries.
func pruneExpired(idem *idempotency.Store, accounts *account.Service, hooks *webhooks.Service, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		n, err := idem.Prune(ctx)
		if err != nil {
			return err
		}
		acc, err := accounts.Prune(ctx)
		if err != nil {
			return err
		}
		messages, err := hooks.Prune(ctx)
		if err != nil {
			return err
		}
		log.InfoContext(ctx, "pruned expired rows", "idempotency_keys", n,
			"rate_limit_hits", acc.RateLimitHits, "email_tokens", acc.EmailTokens, "refresh_tokens", acc.RefreshTokens,
			"webhook_messages", messages)
		return nil
	}
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
