package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/onramp/onramp/config"
	"github.com/onramp/onramp/database"
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
	did, err := onboarding.NewService(onboarding.Config{DB: db.Gorm, Log: log}).Seed(ctx)
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

// openDatabase loads the configuration a database command needs and
// connects; the caller closes the database.
func openDatabase(ctx context.Context, getenv config.Getenv, stderr io.Writer) (*database.DB, *slog.Logger, error) {
	cfg, err := config.Load(getenv, config.NeedDatabase)
	if err != nil {
		return nil, nil, err
	}
	log := newLogger(cfg, stderr)
	db, err := database.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return nil, nil, err
	}
	return db, log, nil
}
