package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/config"
)

// staff manages staff users (product managers): `staff create --email E
// --password P [--name N]`. Staff users exist only through this command.
func staff(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"staff: want `staff create --email E --password P`"}
	}
	fs := flag.NewFlagSet("staff create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "the staff user's email")
	password := fs.String("password", "", "the staff user's password (10-128 characters)")
	name := fs.String("name", "", "the staff user's full name (default: the email)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{"staff create: " + err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("staff create: unexpected argument %q", fs.Arg(0))}
	}
	if *email == "" || *password == "" {
		return usageError{"staff create: --email and --password are required"}
	}

	db, log, err := openDatabase(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()

	svc := account.NewService(account.Config{DB: db, Log: log})
	user, err := svc.CreateStaff(ctx, *email, *password, *name)
	if err != nil {
		if e, ok := apperr.As(err); ok {
			return errors.New(staffProblem(e))
		}
		return err
	}
	fmt.Fprintf(stdout, "created staff user %s (%s)\n", user.Email, user.ID)
	return nil
}

// staffProblem phrases a refusal for the operator at the terminal.
func staffProblem(e *apperr.Error) string {
	msg := "staff create: " + e.Message
	for _, f := range e.Fields {
		msg += fmt.Sprintf("\n  --%s %s", f.Field, f.Message)
	}
	return msg
}
