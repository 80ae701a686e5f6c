package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/database"
)

func migrate(ctx context.Context, getenv config.Getenv, stderr io.Writer) error {
	db, log, err := openDatabase(ctx, getenv, stderr)
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

// openDatabase is what the operator commands that only need the database
// (migrate, staff) share: configuration, a logger and the connection.
func openDatabase(ctx context.Context, getenv config.Getenv, stderr io.Writer) (*database.DB, *slog.Logger, error) {
	cfg, err := config.Load(getenv, config.NeedDatabase)
	if err != nil {
		return nil, nil, err
	}
	return openConfigured(ctx, cfg, stderr)
}

// openConfigured is the logger cfg asks for and the database it names.
func openConfigured(ctx context.Context, cfg *config.Config, stderr io.Writer) (*database.DB, *slog.Logger, error) {
	log := newLogger(cfg, stderr)
	db, err := database.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return nil, nil, err
	}
	return db, log, nil
}
