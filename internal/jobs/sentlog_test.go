package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/jobs"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

// queueOnly queues jobs on a fresh database with no runner working them,
// so they stay queued.
func queueOnly(t *testing.T) (*database.DB, *jobs.Mailer, *jobs.PasswordResets) {
	t.Helper()
	db := dbtest.New(t)
	q, err := jobs.NewQueue(db)
	if err != nil {
		t.Fatal(err)
	}
	return db, jobs.NewMailer(q), jobs.NewPasswordResets(q)
}

func newUser(t *testing.T, db *database.DB, email string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	if _, err := db.Pool.Exec(context.Background(), `INSERT INTO users (id, email, full_name, password_hash) VALUES ($1, $2, 'U', '')`, id, email); err != nil {
		t.Fatal(err)
	}
	return id
}

// A queued email is logged (kind, subject, lower-cased address, account)
// in its transaction, without its body; a rolled-back one is not.
func TestQueuedEmailIsLoggedWithoutItsBody(t *testing.T) {
	t.Parallel()
	db, outbox, _ := queueOnly(t)
	ctx := context.Background()
	ada := newUser(t, db, "ada@acme.test")
	verify := mail.VerificationEmail(mail.English, "ada@acme.test", "Ada", "http://x/verify-email?token=secret-1")
	verify.UserID = ada
	rollback := errors.New("the change failed")
	err := db.InTx(ctx, func(tx *database.Tx) error {
		if err := outbox.Enqueue(ctx, tx, mail.InvitationEmail(mail.English, "Ghost@Acme.test", "Acme", "Ada", "http://x?token=secret-0")); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	for _, m := range []mail.Message{verify, mail.InvitationEmail(mail.English, "Bob@Acme.test", "Acme", "Ada", "http://x?token=secret-2")} {
		if err := db.InTx(ctx, func(tx *database.Tx) error { return outbox.Enqueue(ctx, tx, m) }); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Pool.Query(ctx, `SELECT user_id, recipient, kind, subject, queued_at IS NOT NULL, s::text FROM sent_emails s ORDER BY queued_at, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type row struct {
		user                     uuid.NullUUID
		recipient, kind, subject string
		queued                   bool
		whole                    string
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.user, &r.recipient, &r.kind, &r.subject, &r.queued, &r.whole); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 2 {
		t.Fatalf("%d logged emails, want the 2 committed: %+v", len(got), got)
	}
	if g := got[0]; g.user.UUID != ada || g.recipient != "ada@acme.test" || g.kind != mail.KindEmailVerification || g.subject != "Confirm your email address" || !g.queued {
		t.Errorf("verification logged as %+v", g)
	}
	if g := got[1]; g.user.Valid || g.recipient != "bob@acme.test" || g.kind != mail.KindInvitation || g.subject != "Join Acme on Onramp" {
		t.Errorf("invitation logged as %+v", g)
	}
	for _, g := range got {
		if strings.Contains(g.whole, "secret") || strings.Contains(g.whole, "http://x") {
			t.Errorf("the body is in the log: %s", g.whole)
		}
	}
	err = db.InTx(ctx, func(tx *database.Tx) error {
		return outbox.Enqueue(ctx, tx, mail.Message{To: "x@acme.test", Subject: "No kind", Text: "."})
	})
	if err == nil {
		t.Error("an email without a kind was queued")
	}
}

// Forget drops the queued emails and reset requests naming a person, by
// account or address, and nobody else's.
func TestForgetDropsAPersonsQueuedJobs(t *testing.T) {
	t.Parallel()
	db, outbox, resets := queueOnly(t)
	ctx := context.Background()
	ada := newUser(t, db, "ada@acme.test")
	byAccount := mail.PasswordResetEmail(mail.English, "old-address@acme.test", "Ada", "http://x")
	byAccount.UserID = ada
	err := db.InTx(ctx, func(tx *database.Tx) error {
		for _, m := range []mail.Message{byAccount, mail.InvitationEmail(mail.English, "ADA@acme.test", "Acme", "Bob", "http://x"), mail.InvitationEmail(mail.English, "carol@acme.test", "Acme", "Ada", "http://x")} {
			if err := outbox.Enqueue(ctx, tx, m); err != nil {
				return err
			}
		}
		if err := resets.Enqueue(ctx, tx, "ada@acme.test"); err != nil {
			return err
		}
		return resets.Enqueue(ctx, tx, "carol@acme.test")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *database.Tx) error { return outbox.Forget(ctx, tx, ada, "ada@acme.test") }); err != nil {
		t.Fatal(err)
	}
	var left []string
	rows, err := db.Pool.Query(ctx, `SELECT coalesce(args->'message'->>'to', args->>'email') FROM river_job ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var to string
		if err := rows.Scan(&to); err != nil {
			t.Fatal(err)
		}
		left = append(left, to)
	}
	if len(left) != 2 || left[0] != "carol@acme.test" || left[1] != "carol@acme.test" {
		t.Fatalf("jobs left for %v, want Carol's two", left)
	}
}
