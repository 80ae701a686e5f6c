// Command onramp runs the Onramp service and its operator tasks.
//
//	onramp serve                                 serve the HTTP API and run background jobs
//	onramp migrate                               apply pending database migrations (idempotent)
//	onramp staff create --email E --password P   create a staff user (product managers)
//	onramp seed [--demo]                         publish a demo onboarding checklist unless one exists; --demo adds demo companies
//	onramp stripe setup [--webhook-url URL]      create the Stripe product, prices and webhook endpoint
//	onramp nudges run [--dry-run]                run one nudge sweep now, a line per person considered
//	onramp dev staff                             print a ready staff login for the local database
//	onramp dev stripe-event TYPE --org ID        post a signed, made-up Stripe event to the running server
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	// Time zones people pick (PATCH /v1/me) load without a zoneinfo
	// database on the host: minimal images have none.
	_ "time/tzdata"

	"github.com/onramp/onramp/internal/config"
)

const usage = `usage: onramp <command> [flags]

commands:
  serve                                  serve the HTTP API and run background jobs
  migrate                                apply pending database migrations (idempotent)
  staff create --email E --password P    create a staff user
  seed [--demo]                          publish a demo onboarding checklist unless one exists (idempotent);
                                         --demo also adds twelve weeks of demo companies, once (needs stripe-mock)
  stripe setup [--webhook-url URL]       create (or find) the Stripe product, prices and webhook endpoint
  nudges run [--dry-run]                 run one nudge sweep now and print a line per person considered

local development (refused with ONRAMP_ENV=production):
  dev staff                              create pm@onramp.local, or give it a fresh password, and print the login
  dev stripe-event TYPE --org ID         sign a made-up Stripe event about the organization and post it to the
                                         running server's webhook; TYPE: subscription.created, invoice.paid,
                                         payment.failed, trial.ending (sent again: a duplicate)

configuration comes from the environment; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, getenv, stderr)
	case "migrate":
		err = migrate(ctx, getenv, stderr)
	case "seed":
		err = seed(ctx, args[1:], getenv, stdout, stderr)
	case "staff":
		err = staff(ctx, args[1:], getenv, stdout, stderr)
	case "stripe":
		err = stripeCmd(ctx, args[1:], getenv, stdout, stderr)
	case "nudges":
		err = nudgesCmd(ctx, args[1:], getenv, stdout, stderr)
	case "dev":
		err = devCmd(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "onramp: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err == nil {
		return 0
	}
	var usageErr usageError
	switch {
	case errors.As(err, &usageErr):
		fmt.Fprintf(stderr, "onramp: %v\n\n%s", err, usage)
		return 2
	case config.IsProblems(err):
		fmt.Fprintf(stderr, "onramp: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "onramp: %v\n", err)
		return 1
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
