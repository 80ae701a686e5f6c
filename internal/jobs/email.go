package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/mail"
)

// sendEmailArgs is the job that delivers one message. LogID is its
// sent_emails row, where the delivery is recorded (empty in jobs queued
// before there was one).
type sendEmailArgs struct {
	Message mail.Message `json:"message"`
	LogID   string       `json:"log_id,omitempty"`
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
	db     *database.DB
	log    *slog.Logger
}

// Work sends the message unless its log says it was delivered already (a
// run whose completion was lost), then records the delivery, retrying the
// write while the database is away: River would otherwise run the job
// again, and send the email a second time.
func (w *sendEmailWorker) Work(ctx context.Context, job *river.Job[sendEmailArgs]) error {
	id := job.Args.LogID
	if id != "" {
		var delivered bool
		if err := w.db.SQL().QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sent_emails WHERE id = $1 AND delivered_at IS NOT NULL)`, id).
			Scan(&delivered); err != nil {
			return fmt.Errorf("check the email's delivery: %w", err)
		}
		if delivered {
			return nil
		}
	}
	if err := w.sender.Send(ctx, job.Args.Message); err != nil {
		// The address is logged, never the body: it may carry a token.
		w.log.WarnContext(ctx, "email delivery failed; will retry", "to", job.Args.Message.To,
			"subject", job.Args.Message.Subject, "attempt", job.Attempt, "err", err)
		return err
	}
	if id == "" {
		return nil
	}
	for {
		_, err := w.db.SQL().ExecContext(ctx, `UPDATE sent_emails SET delivered_at = now() WHERE id = $1`, id)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("record the email's delivery: %w", err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (w *sendEmailWorker) Timeout(*river.Job[sendEmailArgs]) time.Duration { return time.Minute }

// AddEmailWorker makes the runner deliver queued emails through sender,
// recording each delivery in db's sent_emails.
func AddEmailWorker(workers *river.Workers, sender mail.Sender, db *database.DB, log *slog.Logger) {
	river.AddWorker(workers, &sendEmailWorker{sender: sender, db: db, log: log})
}

// Mailer queues emails in the caller's transaction: a message is sent if
// and only if the change that caused it commits, and sending never blocks
// or fails the request.
type Mailer struct {
	queue *Queue
}

// NewMailer queues emails on q.
func NewMailer(q *Queue) *Mailer { return &Mailer{queue: q} }

// Enqueue queues msg in tx and logs it in sent_emails in the same
// transaction: the log holds an email if and only if it was queued. The
// log keeps what a person's export shows (kind, subject, when), never the
// body, which may carry a single-use link.
func (m *Mailer) Enqueue(ctx context.Context, tx *database.Tx, msg mail.Message) error {
	return m.EnqueueMany(ctx, tx, []mail.Message{msg})
}

// EnqueueMany queues msgs in tx, as Enqueue does for one, in two
// statements whatever their number (a nudge sweep queues thousands).
func (m *Mailer) EnqueueMany(ctx context.Context, tx *database.Tx, msgs []mail.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(msgs))
	ids, users, recipients, kinds, subjects := make([]string, len(msgs)), make([]string, len(msgs)), make([]string, len(msgs)),
		make([]string, len(msgs)), make([]string, len(msgs))
	for i, msg := range msgs {
		if msg.Kind == "" {
			return fmt.Errorf("queue email %q: no kind", msg.Subject)
		}
		ids[i], recipients[i], kinds[i], subjects[i] = uuid.Must(uuid.NewV7()).String(), strings.ToLower(msg.To), msg.Kind, msg.Subject
		params[i] = river.InsertManyParams{Args: sendEmailArgs{Message: msg, LogID: ids[i]}}
		if msg.UserID != uuid.Nil {
			users[i] = msg.UserID.String()
		}
	}
	if err := m.queue.InsertMany(ctx, tx, params); err != nil {
		return err
	}
	_, err := tx.SQL().ExecContext(ctx, `
		INSERT INTO sent_emails (id, user_id, recipient, kind, subject, queued_at)
		SELECT id::uuid, NULLIF(u, '')::uuid, r, k, s, now()
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS e(id, u, r, k, s)`,
		ids, users, recipients, kinds, subjects)
	if err != nil {
		return fmt.Errorf("log queued emails: %w", err)
	}
	return nil
}

// Forget deletes, in tx, the queued emails and password reset requests
// that name a person erasing their account, by account or by address
// (email; "" matches by account only), so their address does not outlive
// the account in the job table. A job being
// worked at that moment finishes, and River deletes it minutes later with
// every other completed job.
func (m *Mailer) Forget(ctx context.Context, tx *database.Tx, userID uuid.UUID, email string) error {
	_, err := tx.SQL().ExecContext(ctx, `
		DELETE FROM river_job
		WHERE state <> 'running'
		  AND ((kind = $1 AND (args->'message'->>'user_id' = $3 OR lower(args->'message'->>'to') = $4))
		    OR (kind = $2 AND args->>'email' = $4))`,
		sendEmailArgs{}.Kind(), passwordResetArgs{}.Kind(), userID.String(), strings.ToLower(email))
	if err != nil {
		return fmt.Errorf("forget queued emails: %w", err)
	}
	return nil
}
