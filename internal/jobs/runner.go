// Package jobs runs the service's background work on River, in the same
// PostgreSQL: email delivery, hourly prunes, and whatever else must happen
// after a transaction commits (a job is inserted in the transaction of the
// change that needs it, so it exists if and only if the change does).
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// Runner works jobs on the pgx pool until Stop.
type Runner struct {
	client *river.Client[pgx.Tx]
}

// RunnerConfig tunes the runner.
type RunnerConfig struct {
	Log *slog.Logger
	// Workers are the job kinds this runner works (AddEmailWorker,
	// AddPruneWorker).
	Workers *river.Workers
	// PollInterval is how often queues are polled besides notifications;
	// zero: River's default (1 s).
	PollInterval time.Duration
	// Periodic jobs, e.g. PruneJob.
	Periodic []*river.PeriodicJob
}

// NewRunner builds the runner; Start it to begin work.
func NewRunner(pool *pgxpool.Pool, c RunnerConfig) (*Runner, error) {
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		// Webhook deliveries mostly wait on receivers: many at once, on a
		// queue of their own.
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}, QueueWebhooks: {MaxWorkers: 100}},
		Workers:           c.Workers,
		Logger:            c.Log.With("component", "jobs"),
		FetchPollInterval: c.PollInterval,
		FetchCooldown:     min(c.PollInterval, river.FetchCooldownDefault),
		PeriodicJobs:      c.Periodic,
		// Email jobs carry single-use links in their arguments: once a job
		// is done with, it leaves the database soon (River's cleaner runs
		// every 30 s), instead of River's defaults of a day to a week.
		CompletedJobRetentionPeriod: 5 * time.Minute,
		CancelledJobRetentionPeriod: 5 * time.Minute,
		DiscardedJobRetentionPeriod: 24 * time.Hour, // a failed delivery stays a day for inspection
		// A job whose instance died (SIGKILL, a lost machine) stays
		// running until rescued: after two minutes rather than River's
		// hour, so that an email is late by minutes, not an hour. The
		// upkeep jobs allowed longer (up to 30 minutes) are idempotent: a
		// second run beside a slow first one does no harm.
		RescueStuckJobsAfter: 2 * time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("job runner: %w", err)
	}
	return &Runner{client: client}, nil
}

// Start begins working jobs until Stop.
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop lets running jobs finish, up to ctx's deadline, then cancels them.
func (r *Runner) Stop(ctx context.Context) error {
	if err := r.client.Stop(ctx); err != nil {
		return r.client.StopAndCancel(context.Background())
	}
	return nil
}
