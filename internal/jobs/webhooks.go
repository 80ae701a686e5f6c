package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/webhooks"
)

// QueueWebhooks is the queue deliveries run on, apart from email and
// upkeep: a slow receiver must not hold up anyone's email.
const QueueWebhooks = "webhooks"

// deliverWebhookArgs is the job that makes one delivery (its attempts:
// River retries it).
type deliverWebhookArgs struct {
	DeliveryID uuid.UUID `json:"delivery_id"`
}

func (deliverWebhookArgs) Kind() string { return "deliver_webhook" }

func (deliverWebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: webhooks.MaxAttempts, Queue: QueueWebhooks}
}

type deliverWebhookWorker struct {
	river.WorkerDefaults[deliverWebhookArgs]
	deliver func(ctx context.Context, id uuid.UUID, attempt int) error
	now     func() time.Time
}

func (w *deliverWebhookWorker) Work(ctx context.Context, job *river.Job[deliverWebhookArgs]) error {
	return w.deliver(ctx, job.Args.DeliveryID, job.Attempt)
}

// NextRetry follows the webhooks' own schedule (about a day in all), on
// the services' clock, which the delivery log shows as next_attempt_at.
func (w *deliverWebhookWorker) NextRetry(job *river.Job[deliverWebhookArgs]) time.Time {
	return w.now().Add(webhooks.Backoff(job.Attempt))
}

// Timeout leaves room for the attempt's own 10 s and its bookkeeping.
func (w *deliverWebhookWorker) Timeout(*river.Job[deliverWebhookArgs]) time.Duration {
	return 30 * time.Second
}

// AddWebhookWorker makes the runner deliver webhooks through deliver
// (webhooks.Service.Deliver), retrying on now's clock.
func AddWebhookWorker(workers *river.Workers, deliver func(ctx context.Context, id uuid.UUID, attempt int) error, now func() time.Time) {
	river.AddWorker(workers, &deliverWebhookWorker{deliver: deliver, now: now})
}

// WebhookDeliveries queues deliveries in the caller's transaction; it
// implements webhooks.Queue.
type WebhookDeliveries struct {
	queue *Queue
}

// NewWebhookDeliveries queues deliveries on q.
func NewWebhookDeliveries(q *Queue) *WebhookDeliveries { return &WebhookDeliveries{queue: q} }

// EnqueueDeliveries queues a job per delivery, in one statement.
func (d *WebhookDeliveries) EnqueueDeliveries(ctx context.Context, tx *database.Tx, ids []uuid.UUID) error {
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: deliverWebhookArgs{DeliveryID: id}}
	}
	return d.queue.InsertMany(ctx, tx, params)
}

// RetryNow makes the delivery's job that is still to run (waiting for its
// next attempt, or for good after its last) run now, or queues a new one
// when River no longer keeps it. A job running now is left to finish.
func (d *WebhookDeliveries) RetryNow(ctx context.Context, tx *database.Tx, id uuid.UUID) error {
	var jobID int64
	var state string
	err := tx.SQL().QueryRowContext(ctx, `SELECT id, state FROM river_job WHERE kind = $1 AND args @> $2::jsonb ORDER BY id DESC LIMIT 1`,
		deliverWebhookArgs{}.Kind(), fmt.Sprintf(`{"delivery_id":%q}`, id)).Scan(&jobID, &state)
	switch {
	case err == nil && state == string(rivertype.JobStateRunning):
		return nil
	case err == nil && state != string(rivertype.JobStateCompleted) && state != string(rivertype.JobStateCancelled):
		if _, err := d.queue.inserter.JobRetryTx(ctx, tx.SQL(), jobID); err != nil && !errors.Is(err, river.ErrNotFound) {
			return fmt.Errorf("retry webhook job: %w", err)
		}
		return nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("find webhook job: %w", err)
	}
	return d.queue.Insert(ctx, tx, deliverWebhookArgs{DeliveryID: id})
}

var _ webhooks.Queue = (*WebhookDeliveries)(nil)
