package main

import (
	"context"
	"fmt"
	"io"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/onboarding"
)

// seed publishes a demo onboarding checklist and activation definition on a
// database that has none; it changes nothing once a version exists.
func seed(ctx context.Context, getenv config.Getenv, stdout, stderr io.Writer) error {
	db, log, err := openDatabase(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	did, err := onboarding.NewService(onboarding.Config{DB: db, Log: log}).Seed(ctx)
	if err != nil {
		return err
	}
	if did {
		fmt.Fprintln(stdout, "seeded the demo onboarding checklist (version 1) and activation definition")
	} else {
		fmt.Fprintln(stdout, "an onboarding version already exists: nothing to seed")
	}
	return nil
}
