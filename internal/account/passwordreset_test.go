package account

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/onramp/onramp/internal/database"
)

// rowCounts counts the rows of every table, to see what a call wrote.
func rowCounts(t *testing.T, db *database.DB) map[string]int {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Pool.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	counts := map[string]int{}
	for _, table := range tables {
		var n int
		if err := db.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %q`, table)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	return counts
}

// written is what changed in the row counts while f ran.
func written(t *testing.T, db *database.DB, f func()) map[string]int {
	t.Helper()
	before := rowCounts(t, db)
	f()
	diff := map[string]int{}
	for table, n := range rowCounts(t, db) {
		if d := n - before[table]; d != 0 {
			diff[table] = d
		}
	}
	return diff
}

// TestPasswordResetRequestsDoTheSameWorkForKnownAndUnknownEmails: what the
// request does cannot depend on whether the address has an account, or its
// timing would tell (account enumeration). Both only count against the
// client's limit and queue one job of the same kind; the job decides
// whether a link is sent.
func TestPasswordResetRequestsDoTheSameWorkForKnownAndUnknownEmails(t *testing.T) {
	t.Parallel()
	svc, db := newTestService(t, nil)
	ctx := context.Background()
	if _, err := svc.Signup(ctx, SignupInput{CompanyName: "Acme", Email: "ada@acme.test", Password: "correct horse battery", FullName: "Ada"}); err != nil {
		t.Fatal(err)
	}
	request := func(email string) func() {
		return func() {
			if err := svc.RequestPasswordReset(ctx, email, "203.0.113.5"); err != nil {
				t.Fatalf("request a reset for %s: %v", email, err)
			}
		}
	}
	known := written(t, db, request("Ada@Acme.test"))
	unknown := written(t, db, request("ghost@acme.test"))
	if want := map[string]int{"rate_limit_hits": 1, "river_job": 1}; !reflect.DeepEqual(known, want) || !reflect.DeepEqual(unknown, want) {
		t.Fatalf("a known address wrote %v, an unknown one %v; want %v for both", known, unknown, want)
	}
	var kinds []string
	rows, err := db.Pool.Query(ctx, `SELECT kind || ' ' || args::text FROM river_job ORDER BY id DESC LIMIT 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, k)
	}
	if want := []string{`password_reset_request {"email": "ghost@acme.test"}`, `password_reset_request {"email": "ada@acme.test"}`}; !reflect.DeepEqual(kinds, want) {
		t.Fatalf("queued %q, want %q", kinds, want)
	}

	// The job then does the lookup: a link for the known address, nothing
	// for the unknown one.
	send := func(email string) func() {
		return func() {
			if err := svc.SendPasswordReset(ctx, email); err != nil {
				t.Fatalf("send a reset to %s: %v", email, err)
			}
		}
	}
	if got, want := written(t, db, send("ada@acme.test")), map[string]int{"email_tokens": 1, "rate_limit_hits": 1, "river_job": 1, "sent_emails": 1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("answering the known address wrote %v, want %v", got, want)
	}
	var to, subject string
	if err := db.Pool.QueryRow(ctx, `SELECT args->'message'->>'to', args->'message'->>'subject' FROM river_job WHERE kind = 'send_email' ORDER BY id DESC LIMIT 1`).
		Scan(&to, &subject); err != nil || to != "ada@acme.test" || subject != "Reset your password" {
		t.Fatalf("queued email to %q, %q (%v)", to, subject, err)
	}
	if got := written(t, db, send("ghost@acme.test")); len(got) != 0 {
		t.Fatalf("answering an unknown address wrote %v", got)
	}
}

// TestPasswordResetRequestsForOneAddressQueueOneJob: requests for an
// address that already has a request waiting collapse into it, so repeating
// them cannot flood the job queue; once it was answered, a new request
// queues a new one (the first email may have been lost).
func TestPasswordResetRequestsForOneAddressQueueOneJob(t *testing.T) {
	t.Parallel()
	svc, db := newTestService(t, nil)
	ctx := context.Background()
	queued := func() int {
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'password_reset_request'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, email := range []string{"ada@acme.test", "Ada@Acme.test", "ada@acme.test", "ADA@ACME.TEST"} {
		if err := svc.RequestPasswordReset(ctx, email, "203.0.113.5"); err != nil {
			t.Fatal(err)
		}
	}
	if n := queued(); n != 1 {
		t.Fatalf("%d jobs queued for one address, want 1", n)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE kind = 'password_reset_request'`); err != nil {
		t.Fatal(err)
	}
	if err := svc.RequestPasswordReset(ctx, "ada@acme.test", "203.0.113.5"); err != nil {
		t.Fatal(err)
	}
	if n := queued(); n != 2 {
		t.Fatalf("%d jobs queued after the first was answered, want 2", n)
	}
}
