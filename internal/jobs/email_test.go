package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/jobs"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/mailtest"
	"github.com/onramp/onramp/internal/testing/testenv"
)

type rig struct {
	db     *database.DB
	smtp   *mailtest.Server
	outbox *jobs.Mailer
	logs   *testenv.LogBuffer
}

func start(t *testing.T) rig {
	t.Helper()
	db := dbtest.New(t)
	smtp := mailtest.Start(t)
	queue, err := jobs.NewQueue(db)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testenv.LogBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	workers := river.NewWorkers()
	jobs.AddEmailWorker(workers, mail.NewSMTPSender(smtp.URL, "Onramp <no-reply@onramp.test>"), db, log)
	runner, err := jobs.NewRunner(db.Pool, jobs.RunnerConfig{Log: log, Workers: workers, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = runner.Stop(ctx)
	})
	return rig{db: db, smtp: smtp, outbox: jobs.NewMailer(queue), logs: logs}
}

// enqueue queues m in a transaction of its own.
func (r rig) enqueue(m mail.Message) error {
	return r.db.InTx(context.Background(), func(tx *database.Tx) error { return r.outbox.Enqueue(context.Background(), tx, m) })
}

func TestQueuedEmailIsSentAfterCommit(t *testing.T) {
	t.Parallel()
	r := start(t)
	msg := mail.InvitationEmail(mail.English, "bob@acme.test", "Acmé Café", "Ada", "http://onramp.test/accept-invitation?token=abc")
	err := r.db.InTx(context.Background(), func(tx *database.Tx) error {
		return r.outbox.Enqueue(context.Background(), tx, msg)
	})
	if err != nil {
		t.Fatal(err)
	}
	got := r.smtp.WaitFor(t, "bob@acme.test", "Join Acmé Café on Onramp")
	if got.From != "no-reply@onramp.test" || got.Header.Get("From") != "Onramp <no-reply@onramp.test>" {
		t.Errorf("envelope from %q, header From %q", got.From, got.Header.Get("From"))
	}
	if !strings.Contains(got.Text, "http://onramp.test/accept-invitation?token=abc") || !strings.Contains(got.Text, "Ada invited you") {
		t.Errorf("body lacks the link or the inviter:\n%s", got.Text)
	}
	if got.Header.Get("Message-ID") == "" || got.Header.Get("Date") == "" {
		t.Errorf("missing Message-ID or Date: %v", got.Header)
	}
}

func TestEmailOfARolledBackChangeIsNeverQueued(t *testing.T) {
	t.Parallel()
	r := start(t)
	rollback := errors.New("the change failed")
	err := r.db.InTx(context.Background(), func(tx *database.Tx) error {
		if err := r.outbox.Enqueue(context.Background(), tx, mail.VerificationEmail(mail.English, "ghost@acme.test", "Ghost", "http://x/verify-email?token=1")); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatalf("transaction: %v", err)
	}
	var jobs int
	if err := r.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if jobs != 0 {
		t.Fatalf("%d jobs queued by a rolled-back transaction", jobs)
	}
	// A later committed email goes out and the rolled-back one never does.
	if err := r.enqueue(mail.VerificationEmail(mail.English, "real@acme.test", "Real", "http://x/verify-email?token=2")); err != nil {
		t.Fatal(err)
	}
	r.smtp.WaitFor(t, "real@acme.test", "Confirm")
	if n := r.smtp.Count("ghost@acme.test"); n != 0 {
		t.Fatalf("%d emails sent for a rolled-back change", n)
	}
}

func TestFailedDeliveryIsRetried(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.smtp.FailNext(1)
	if err := r.enqueue(mail.PasswordResetEmail(mail.English, "carol@acme.test", "Carol", "http://x/reset-password?token=3")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(45 * time.Second)
	for r.smtp.Count("carol@acme.test") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered after a failed first attempt; logs:\n%s", r.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(r.logs.String(), "email delivery failed; will retry") {
		t.Fatalf("the failed attempt was not logged:\n%s", r.logs.String())
	}
	if strings.Contains(r.logs.String(), "token=3") {
		t.Fatal("the email body (with its token) reached the log")
	}
}

// A send job run again after it delivered (its completion lost when the
// database restarted, or its instance killed and the job rescued) sends
// nothing: the delivery was recorded in the email's log.
func TestASendJobRunAgainAfterDeliverySendsNothing(t *testing.T) {
	t.Parallel()
	r := start(t)
	if err := r.enqueue(mail.VerificationEmail(mail.English, "ada@acme.test", "Ada", "http://x/verify-email?token=1")); err != nil {
		t.Fatal(err)
	}
	r.smtp.WaitFor(t, "ada@acme.test", "Confirm")
	ctx := context.Background()
	waitFor := func(what, query string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			var ok bool
			if err := r.db.Pool.QueryRow(ctx, query).Scan(&ok); err != nil {
				t.Fatal(err)
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10 s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("the delivery recorded", `SELECT delivered_at IS NOT NULL FROM sent_emails WHERE recipient = 'ada@acme.test'`)
	waitFor("the job completed", `SELECT state = 'completed' FROM river_job WHERE kind = 'send_email'`)
	// The same job, due again, as River's rescuer leaves it.
	if _, err := r.db.Pool.Exec(ctx, `UPDATE river_job SET state = 'available', finalized_at = NULL, scheduled_at = now() WHERE kind = 'send_email'`); err != nil {
		t.Fatal(err)
	}
	waitFor("the job run again", `SELECT state = 'completed' AND attempt = 2 FROM river_job WHERE kind = 'send_email'`)
	if n := r.smtp.Count("ada@acme.test"); n != 1 {
		t.Fatalf("%d emails to ada@acme.test, want 1", n)
	}
}
