package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/demo"
	"github.com/onramp/onramp/onboarding"
)

// seed publishes a demo onboarding checklist and activation definition on a
// database that has none; it changes nothing once a version exists. With
// --demo it also fills the database with twelve weeks of demo companies
// (internal/demo), once.
func seed(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	withDemo := fs.Bool("demo", false, "also add twelve weeks of demo companies")
	if err := fs.Parse(args); err != nil {
		return usageError{"seed: " + err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("seed: unexpected argument %q", fs.Arg(0))}
	}
	if *withDemo {
		return seedDemo(ctx, getenv, stdout, stderr)
	}
	db, log, err := openDatabase(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	did, err := onboarding.NewService(onboarding.Config{DB: db, Log: log}).Seed(ctx)
	if err != nil {
		return err
	}
	printChecklistSeeded(stdout, did)
	return nil
}

// printChecklistSeeded says whether a seed published the demo checklist.
func printChecklistSeeded(stdout io.Writer, did bool) {
	if did {
		fmt.Fprintln(stdout, "seeded the demo onboarding checklist (version 1) and activation definition")
	} else {
		fmt.Fprintln(stdout, "an onboarding version already exists: nothing to seed")
	}
}

// seedDemo runs the demo's story against stripe-mock only: each demo
// company opens a checkout, which would make customers and sessions in a
// real Stripe account.
func seedDemo(ctx context.Context, getenv config.Getenv, stdout, stderr io.Writer) error {
	// Made-up companies do not belong in production.
	cfg, err := devConfig("seed --demo", getenv)
	if err != nil {
		return err
	}
	if cfg.StripeAPIBase == "" || cfg.StripeSecretKey == "" {
		return errors.New("seed --demo: the demo's checkouts need stripe-mock: set STRIPE_API_BASE and STRIPE_SECRET_KEY as make run does")
	}
	catalog, err := billing.LoadCatalog(cfg.PlansFile)
	if err != nil {
		return err
	}
	db, log, err := openConfigured(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	// demo.Seed publishes the checklist itself, dated before its first
	// signup: publishing it here first would date it now.
	sum, err := demo.Seed(ctx, demo.Config{DB: db, Catalog: catalog,
		Stripe: billing.NewStripeClient(cfg.StripeSecretKey, cfg.StripeAPIBase, cfg.StripeTimeout, log)})
	if err != nil {
		return err
	}
	printChecklistSeeded(stdout, sum.ChecklistSeeded)
	if sum.AlreadyPresent {
		fmt.Fprintln(stdout, "demo data already present: nothing added")
	} else {
		fmt.Fprintf(stdout, "added demo data: %d companies since %s (%d checkouts, %d trials, %d paying), %d members, %d product events\n",
			sum.Companies, sum.From.Format("2006-01-02"), sum.Checkouts, sum.Trials, sum.Paying, sum.Members, sum.Events)
	}
	fmt.Fprintf(stdout, "demo people sign in with the password %q, e.g. %s\n", sum.Password, sum.SampleOwner)
	return nil
}
