package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/database"
)

// devCmd runs the helpers of the local loop (`make run`): `dev staff` and
// `dev stripe-event`. They refuse to run with ONRAMP_ENV=production.
func devCmd(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"dev: want `dev staff` or `dev stripe-event TYPE --org ID`"}
	}
	switch args[0] {
	case "staff":
		if len(args) > 1 {
			return usageError{fmt.Sprintf("dev staff: unexpected argument %q", args[1])}
		}
		return devStaff(ctx, getenv, stdout, stderr)
	case "stripe-event":
		return devStripeEvent(ctx, args[1:], getenv, stdout, stderr)
	}
	return usageError{fmt.Sprintf("dev: unknown command %q (want staff or stripe-event)", args[0])}
}

// openDev is what the dev helpers share: the whole configuration (they
// need PUBLIC_URL), a refusal in production, a logger and the database.
func openDev(ctx context.Context, name string, getenv config.Getenv, stderr io.Writer) (*config.Config, *database.DB, *slog.Logger, error) {
	cfg, err := devConfig("dev "+name, getenv)
	if err != nil {
		return nil, nil, nil, err
	}
	db, log, err := openConfigured(ctx, cfg, stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	return cfg, db, log, nil
}

// devConfig is the whole configuration of a local-loop command (the dev
// helpers, seed --demo), refused in production.
func devConfig(command string, getenv config.Getenv) (*config.Config, error) {
	// Before the configuration: production's would ask for its secrets
	// first, and this is no command to give them to.
	if getenv("ONRAMP_ENV") == "production" {
		return nil, fmt.Errorf("%s: refused with ONRAMP_ENV=production", command)
	}
	return config.Load(getenv, config.NeedServe)
}

// devStaffEmail is the local database's product manager.
const devStaffEmail = "pm@onramp.local"

// devStaff prints a ready staff login for the local database: it creates
// pm@onramp.local, or gives it a fresh password (ending its sessions) when
// it exists, so that nobody has to remember a local password.
func devStaff(ctx context.Context, getenv config.Getenv, stdout, stderr io.Writer) error {
	cfg, db, log, err := openDev(ctx, "staff", getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	password := rand.Text()
	svc := account.NewService(account.Config{DB: db, Log: log})
	exists, err := svc.EmailTaken(ctx, devStaffEmail)
	if err != nil {
		return err
	}
	verb := "created"
	if exists {
		verb = "new password for"
		_, err = svc.ResetStaffPassword(ctx, devStaffEmail, password)
		if apperr.Is(err, apperr.CodeNotFound) {
			return fmt.Errorf("dev staff: %s belongs to a customer's account, not a staff user's", devStaffEmail)
		}
	} else {
		_, err = svc.CreateStaff(ctx, devStaffEmail, password, "Product manager")
	}
	if err != nil {
		return err
	}
	console := *cfg.PublicURL
	console.Path += "/console/"
	fmt.Fprintf(stdout, "%s staff user (local database only):\n  email     %s\n  password  %s\n  console   %s\n",
		verb, devStaffEmail, password, console.String())
	return nil
}
