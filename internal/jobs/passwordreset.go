package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/onramp/onramp/internal/database"
)

// passwordResetArgs is a request for a password reset link. The HTTP
// request only queues it, the same way for every address, so neither its
// answer nor its timing tells whether the address has an account; the job
// looks the address up.
type passwordResetArgs struct {
	Email string `json:"email"`
}

func (passwordResetArgs) Kind() string { return "password_reset_request" }

// InsertOpts: a reset link lives an hour, so a few minutes of retries
// (River's attempt^4 s backoff) is all that is worth it. A request for an
// address that already has one waiting is dropped as a duplicate, so
// repeating it cannot flood the queue that every email goes through.
// Answered (completed) requests are left out of the unique states: a new
// request after one was answered queues again, for someone whose first
// email went astray; SendPasswordReset's per-address limit bounds those.
func (passwordResetArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, Queue: river.QueueDefault, UniqueOpts: river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled},
	}}
}

type passwordResetWorker struct {
	river.WorkerDefaults[passwordResetArgs]
	send func(ctx context.Context, email string) error
}

func (w *passwordResetWorker) Work(ctx context.Context, job *river.Job[passwordResetArgs]) error {
	return w.send(ctx, job.Args.Email)
}

func (w *passwordResetWorker) Timeout(*river.Job[passwordResetArgs]) time.Duration {
	return time.Minute
}

// AddPasswordResetWorker makes the runner answer queued reset requests
// with send (account.Service.SendPasswordReset), which queues the email
// when the address has an account.
func AddPasswordResetWorker(workers *river.Workers, send func(ctx context.Context, email string) error) {
	river.AddWorker(workers, &passwordResetWorker{send: send})
}

// PasswordResets queues reset requests in the caller's transaction.
type PasswordResets struct {
	queue *Queue
}

// NewPasswordResets queues reset requests on q.
func NewPasswordResets(q *Queue) *PasswordResets { return &PasswordResets{queue: q} }

// Enqueue queues a reset request for email in tx.
func (p *PasswordResets) Enqueue(ctx context.Context, tx *database.Tx, email string) error {
	return p.queue.Insert(ctx, tx, passwordResetArgs{Email: email})
}
