package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/mail"
)

// sendEmailArgs is the job that delivers one message.
type sendEmailArgs struct {
	Message mail.Message `json:"message"`
}

func (sendEmailArgs) Kind() string { return "send_email" }

// InsertOpts: a few days of retries with River's exponential backoff
// (attempt^4 seconds), then the job is discarded and the failure logged.
func (sendEmailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 12, Queue: river.QueueDefault}
}

type sendEmailWorker struct {
	river.WorkerDefaults[sendEmailArgs]
	sender mail.Sender
	log    *slog.Logger
}

func (w *sendEmailWorker) Work(ctx context.Context, job *river.Job[sendEmailArgs]) error {
	if err := w.sender.Send(ctx, job.Args.Message); err != nil {
		// The address is logged, never the body: it may carry a token.
		w.log.WarnContext(ctx, "email delivery failed; will retry", "to", job.Args.Message.To,
			"subject", job.Args.Message.Subject, "attempt", job.Attempt, "err", err)
		return err
	}
	return nil
}

func (w *sendEmailWorker) Timeout(*river.Job[sendEmailArgs]) time.Duration { return time.Minute }

// AddEmailWorker makes the runner deliver queued emails through sender.
func AddEmailWorker(workers *river.Workers, sender mail.Sender, log *slog.Logger) {
	river.AddWorker(workers, &sendEmailWorker{sender: sender, log: log})
}

// Mailer queues emails in the caller's transaction: a message is sent if
// and only if the change that caused it commits, and sending never blocks
// or fails the request.
type Mailer struct {
	queue *Queue
}

// NewMailer queues emails on q.
func NewMailer(q *Queue) *Mailer { return &Mailer{queue: q} }

// Enqueue queues m in tx.
func (m *Mailer) Enqueue(ctx context.Context, tx *database.Tx, msg mail.Message) error {
	return m.queue.Insert(ctx, tx, sendEmailArgs{Message: msg})
}
