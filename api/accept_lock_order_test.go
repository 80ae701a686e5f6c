package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// pendingAccept invites email and returns its invitation token.
func pendingAccept(t *testing.T, env *testenv.Env, owner testenv.Session, email string) string {
	t.Helper()
	invite(t, env, owner.AccessToken, email, "member").Expect(t, http.StatusCreated)
	return testenv.LinkToken(t, env.Mail.WaitFor(t, email, "Join "+owner.Organization.Name+" on Onramp").Text)
}

// waitForLockWait waits until some backend waits on a lock with a query
// containing like.
func waitForLockWait(t *testing.T, env *testenv.Env, like string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'`, like).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nobody waited on a lock in %q", like)
}

// An accept locks the organization before it inserts the membership (its
// trigger updates onboarding_organizations), like an event batch: the two
// queue up instead of deadlocking (they once took the two rows in the
// opposite order).
func TestAcceptInvitationTakesTheOrganizationLockFirst(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{Company: "Acme", FullName: "Ada Admin"})
	env.VerifyEmail(t, owner.User.Email)
	token := pendingAccept(t, env, owner, "bob@acme.test")
	ctx := context.Background()

	// An event batch of the organization, as lockState runs it: the
	// organization first...
	tx, err := env.DB.Pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, owner.Organization.ID); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		status := -1
		defer func() { done <- status }()
		res := env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "full_name": "Bob", "password": testenv.DefaultPassword})
		status = res.Status
		t.Logf("accept: %d %s", res.Status, res.Body)
	}()
	// The accept waits for the organization, holding nothing of it yet.
	waitForLockWait(t, env, "FOR NO KEY UPDATE")
	// ...then its onboarding row.
	_, lockErr := tx.Exec(ctx, `SELECT 1 FROM onboarding_organizations WHERE organization_id = $1 FOR UPDATE`, owner.Organization.ID)
	tx.Rollback(ctx)
	status := <-done
	if lockErr != nil || status != http.StatusCreated {
		t.Fatalf("ingestion lock: %v; accept: %d (a deadlock between an accept and an event batch)", lockErr, status)
	}
}

// An accept waits for a concurrent batch before its trigger recounts the
// member counters, so the batch's completion is counted (a recount from a
// snapshot taken before the wait once wrote over it).
func TestAcceptInvitationKeepsAConcurrentCompletion(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	owner := env.Signup(t, testenv.SignupOptions{Company: "Acme", FullName: "Ada Admin"})
	env.VerifyEmail(t, owner.User.Email)
	publishSteps(t, env, staff, memberStep(manualStep("read_guide", false)))
	token := pendingAccept(t, env, owner, "bob@acme.test")
	orgID := owner.Organization.ID
	checklist(t, env, owner.AccessToken) // move to the latest version

	// The owner ticks read_guide: the writes changeOwnStep+saveState make,
	// in one transaction, held open.
	ctx := context.Background()
	tx, err := env.DB.Pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, q := range []string{
		`SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE`,
		`SELECT 1 FROM onboarding_organizations WHERE organization_id = $1 FOR UPDATE`,
		`UPDATE onboarding_members SET completed_steps = '{read_guide}', first_step_at = now(),
		   progress = jsonb_build_object('read_guide', jsonb_build_object('count', 1, 'completed_at', now(), 'how', 'manual'))
		 WHERE organization_id = $1`,
		`UPDATE onboarding_organizations SET member_completions = '{"read_guide": 1}', members_started = 1 WHERE organization_id = $1`,
	} {
		if _, err := tx.Exec(ctx, q, orgID); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan int, 1)
	go func() {
		status := -1
		defer func() { done <- status }()
		res := env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "full_name": "Bob", "password": testenv.DefaultPassword})
		status = res.Status
		t.Logf("accept: %d %s", res.Status, res.Body)
	}()
	waitForLockWait(t, env, "") // the accept, wherever it waits
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if status := <-done; status != http.StatusCreated {
		t.Fatalf("accept: %d", status)
	}
	got := scalar[string](t, env, `SELECT member_completions::text || ' started ' || members_started FROM onboarding_organizations WHERE organization_id = $1`, orgID)
	if got != `{"read_guide": 1} started 1` {
		t.Fatalf("counters after the accept: %s, want {\"read_guide\": 1} started 1 (the owner's completion was lost)", got)
	}
}
