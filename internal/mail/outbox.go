package mail

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"gorm.io/gorm"
)

// sendJob is the River job that delivers one message.
type sendJob struct {
	Message Message `json:"message"`
}

func (sendJob) Kind() string { return "send_email" }

// InsertOpts: a few days of retries with River's exponential backoff
// (attempt^4 seconds), then the job is discarded and the failure logged.
func (sendJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 12, Queue: river.QueueDefault}
}

type sendWorker struct {
	river.WorkerDefaults[sendJob]
	sender Sender
	log    *slog.Logger
}

func (w *sendWorker) Work(ctx context.Context, job *river.Job[sendJob]) error {
	if err := w.sender.Send(ctx, job.Args.Message); err != nil {
		// The address is logged, never the body: it may carry a token.
		w.log.WarnContext(ctx, "email delivery failed; will retry", "to", job.Args.Message.To,
			"subject", job.Args.Message.Subject, "attempt", job.Attempt, "err", err)
		return err
	}
	return nil
}

func (w *sendWorker) Timeout(*river.Job[sendJob]) time.Duration { return time.Minute }

// Outbox queues messages in the caller's transaction: a message is sent if
// and only if the change that caused it commits, and sending never blocks
// or fails the request.
type Outbox struct {
	inserter *river.Client[*sql.Tx]
}

// NewOutbox builds an outbox that inserts jobs over sqlDB, the database/sql
// handle GORM runs on.
func NewOutbox(sqlDB *sql.DB) (*Outbox, error) {
	c, err := river.NewClient(riverdatabasesql.New(sqlDB), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("mail outbox: %w", err)
	}
	return &Outbox{inserter: c}, nil
}

// Enqueue queues m in tx. tx should be a GORM transaction; outside one the
// job is inserted on its own.
func (o *Outbox) Enqueue(ctx context.Context, tx *gorm.DB, m Message) error {
	var err error
	if sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx); ok {
		_, err = o.inserter.InsertTx(ctx, sqlTx, sendJob{Message: m}, nil)
	} else {
		_, err = o.inserter.Insert(ctx, sendJob{Message: m}, nil)
	}
	if err != nil {
		return fmt.Errorf("queue email %q: %w", m.Subject, err)
	}
	return nil
}

// Workers runs the background jobs (email delivery) on the pgx pool.
type Workers struct {
	client *river.Client[pgx.Tx]
}

// WorkerConfig tunes the job runner.
type WorkerConfig struct {
	Sender Sender
	Log    *slog.Logger
	// PollInterval is how often queues are polled besides notifications;
	// zero: River's default (1 s).
	PollInterval time.Duration
	// Periodic jobs to run alongside delivery (e.g. pruning old rows).
	Periodic []*river.PeriodicJob
	// Register adds more workers.
	Register func(*river.Workers)
}

// NewWorkers builds the job runner; Start it to begin work.
func NewWorkers(pool *pgxpool.Pool, c WorkerConfig) (*Workers, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &sendWorker{sender: c.Sender, log: c.Log})
	if c.Register != nil {
		c.Register(workers)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers:           workers,
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
	})
	if err != nil {
		return nil, fmt.Errorf("job runner: %w", err)
	}
	return &Workers{client: client}, nil
}

// Start begins working jobs until Stop.
func (w *Workers) Start(ctx context.Context) error { return w.client.Start(ctx) }

// Stop lets running jobs finish, up to ctx's deadline, then cancels them.
func (w *Workers) Stop(ctx context.Context) error {
	if err := w.client.Stop(ctx); err != nil {
		return w.client.StopAndCancel(context.Background())
	}
	return nil
}
