package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/onramp/onramp/internal/app"
	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/onboarding/nudge"
)

// nudgesCmd runs `onramp nudges run [--dry-run]`: one sweep now, with a
// line per person considered. The emails it decides are queued; a running
// server delivers them.
func nudgesCmd(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		return usageError{"nudges: want `nudges run [--dry-run]`"}
	}
	fs := flag.NewFlagSet("nudges run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dryRun := fs.Bool("dry-run", false, "decide and print, but record and send nothing")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{"nudges run: " + err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("nudges run: unexpected argument %q", fs.Arg(0))}
	}
	// The sweep writes links (PUBLIC_URL, APP_URL) and signs unsubscribe
	// tokens: it needs the server's whole configuration.
	cfg, err := config.Load(getenv, config.NeedServe)
	if err != nil {
		return err
	}
	db, log, err := openConfigured(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := app.New(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	res, err := a.Nudges.Sweep(ctx, nudge.SweepOptions{DryRun: *dryRun, Report: func(l nudge.Line) {
		if l.Outcome == nudge.Skipped {
			fmt.Fprintf(stdout, "%s\t%s\tskipped: %s\n", l.Rule, l.Email, l.Reason)
			return
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", l.Rule, l.Email, l.Outcome)
	}})
	if err != nil {
		return err
	}
	verb := "sent"
	if *dryRun {
		verb = "would send"
	}
	fmt.Fprintf(stderr, "considered %d, %s %d, held out %d, skipped %d\n", res.Considered, verb, res.Sent, res.HeldOut,
		res.Considered-res.Sent-res.HeldOut)
	return nil
}
