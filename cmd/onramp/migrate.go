package main

import (
	"context"
	"io"

	"github.com/onramp/onramp/config"
	"github.com/onramp/onramp/database"
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
