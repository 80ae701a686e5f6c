package main

import (
	"context"
	"io"

	"github.com/onramp/onramp/config"
	"github.com/onramp/onramp/database"
)

func migrate(ctx context.Context, getenv config.Getenv, stderr io.Writer) error {
	cfg, err := config.Load(getenv, config.NeedDatabase)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	db, err := database.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := database.Migrate(ctx, db.SQL(), db.Pool, log); err != nil {
		return err
	}
	log.Info("database is up to date")
	return nil
}
