package onboarding_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/onboarding"
)

// fakePlans answers plans from a map and counts the lookups.
type fakePlans struct {
	plans   map[uuid.UUID]string
	lookups atomic.Int32
}

func (f *fakePlans) PlanID(_ context.Context, _ database.Handle, orgID uuid.UUID) (string, error) {
	f.lookups.Add(1)
	return f.plans[orgID], nil
}

func newOrg(t *testing.T, db *database.DB) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	if _, err := db.Pool.Exec(context.Background(), `INSERT INTO organizations (id, name) VALUES ($1, 'Org')`, id); err != nil {
		t.Fatal(err)
	}
	return id
}

// newMember adds a user with a membership of role in org.
func newMember(t *testing.T, db *database.DB, org uuid.UUID, role string) onboarding.Caller {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO users (id, email, full_name, password_hash) VALUES ($1, $2, 'M', 'x')`, id, id.String()+"@example.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3)`, org, id, role); err != nil {
		t.Fatal(err)
	}
	return onboarding.Caller{OrgID: org, UserID: id, Role: role}
}

func count(t *testing.T, db *database.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func publish(t *testing.T, svc *onboarding.Service, steps ...onboarding.StepInput) {
	t.Helper()
	ctx := context.Background()
	for _, s := range steps {
		if _, err := svc.CreateStep(ctx, uuid.Nil, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Publish(ctx, uuid.Nil); err != nil {
		t.Fatal(err)
	}
}

func TestRecorderInARolledBackTransactionLeavesNothing(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	svc := onboarding.NewService(onboarding.Config{DB: db})
	ctx := context.Background()
	publish(t, svc, onboarding.StepInput{Key: "invite_teammate", Title: "Invite", Required: true,
		Completion: onboarding.Completion{Type: onboarding.CompletionEvent, Event: serverevent.MemberInvited}})
	if _, err := svc.SetActivation(ctx, uuid.Nil, onboarding.DefinitionInput{RequiredSteps: []string{"invite_teammate"}, WindowDays: 30}); err != nil {
		t.Fatal(err)
	}
	org := newOrg(t, db)

	boom := errors.New("the invitation failed")
	err := db.InTx(context.Background(), func(tx *database.Tx) error {
		for _, name := range []string{serverevent.CheckoutStarted, serverevent.SubscriptionActivated, serverevent.MemberInvited} {
			if err := svc.Record(ctx, tx, serverevent.Event{OrganizationID: org, Name: name}); err != nil {
				return err
			}
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("transaction: %v", err)
	}
	if n := count(t, db, `SELECT count(*) FROM onboarding_events`); n != 0 {
		t.Fatalf("%d events left behind", n)
	}
	if n := count(t, db, `SELECT count(*) FROM onboarding_event_counts`); n != 0 {
		t.Fatalf("%d counters left behind", n)
	}
	if n := count(t, db, `SELECT count(*) FROM onboarding_organizations WHERE organization_id = $1 AND (progress <> '{}' OR paid_at IS NOT NULL OR checkout_started_at IS NOT NULL OR activated_at IS NOT NULL)`, org); n != 0 {
		t.Fatal("milestones or progress left behind")
	}
	if n := count(t, db, `SELECT count(*) FROM organizations WHERE activated_at IS NOT NULL`); n != 0 {
		t.Fatal("organization activated by a rolled-back transaction")
	}

	// Committed, the same calls count, activate and mark the organization paid.
	err = db.InTx(context.Background(), func(tx *database.Tx) error {
		for _, name := range []string{serverevent.SubscriptionActivated, serverevent.InvoicePaid, serverevent.MemberInvited} {
			if err := svc.Record(ctx, tx, serverevent.Event{OrganizationID: org, Name: name, UserID: uuid.New(), Properties: map[string]any{"seats": 5}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1 AND source = 'server'`, org); n != 4 { // + organization_activated
		t.Fatalf("%d server events", n)
	}
	if n := count(t, db, `SELECT count(*) FROM onboarding_organizations WHERE paid_at IS NOT NULL AND activated_at IS NOT NULL`); n != 1 {
		t.Fatal("not paid and activated")
	}
	// A transaction of its own counts it too.
	if err := db.InTx(ctx, func(tx *database.Tx) error {
		return svc.Record(ctx, tx, serverevent.Event{OrganizationID: org, Name: serverevent.EmailVerified})
	}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count FROM onboarding_event_counts WHERE organization_id = $1 AND name = 'email_verified'`, org); n != 1 {
		t.Fatalf("email_verified counted %d times", n)
	}
	// An unknown organization is not found.
	err = db.InTx(context.Background(), func(tx *database.Tx) error {
		return svc.Record(ctx, tx, serverevent.Event{OrganizationID: uuid.New(), Name: serverevent.EmailVerified})
	})
	if !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("unknown organization: %v", err)
	}
}

func TestAudienceByPlan(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	plans := &fakePlans{plans: map[uuid.UUID]string{}}
	svc := onboarding.NewService(onboarding.Config{DB: db, Plans: plans})
	ctx := context.Background()

	everyone := onboarding.StepInput{Key: "read_guide", Title: "Guide", Completion: onboarding.Completion{Type: onboarding.CompletionManual}}
	publish(t, svc, everyone)
	enterprise, none := newOrg(t, db), newOrg(t, db)
	plans.plans[enterprise] = "enterprise"
	if _, err := svc.Checklist(ctx, onboarding.Caller{OrgID: enterprise, Role: "owner"}); err != nil {
		t.Fatal(err)
	}
	if n := plans.lookups.Load(); n != 0 {
		t.Fatalf("plan looked up %d times for a checklist without plan rules", n)
	}

	sso := onboarding.StepInput{Key: "enterprise_sso", Title: "SSO", Audience: onboarding.Audience{Plans: []string{"enterprise"}, Roles: []string{"owner", "admin"}},
		Completion: onboarding.Completion{Type: onboarding.CompletionManual}}
	publish(t, svc, sso)

	keys := func(org uuid.UUID, role string) []string {
		c, err := svc.Checklist(ctx, onboarding.Caller{OrgID: org, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range c.Steps {
			out = append(out, s.Key)
		}
		return out
	}
	if got := keys(enterprise, "owner"); len(got) != 2 || got[1] != "enterprise_sso" {
		t.Fatalf("enterprise owner sees %v", got)
	}
	if got := keys(enterprise, "member"); len(got) != 1 {
		t.Fatalf("enterprise member sees %v", got)
	}
	if got := keys(none, "owner"); len(got) != 1 {
		t.Fatalf("owner without a plan sees %v", got)
	}
	if _, err := svc.Complete(ctx, onboarding.Caller{OrgID: none, Role: "owner"}, "enterprise_sso"); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("completing a step hidden by plan: %v", err)
	}
	c, err := svc.Complete(ctx, onboarding.Caller{OrgID: enterprise, Role: "owner"}, "enterprise_sso")
	if err != nil || c.Completed != 1 {
		t.Fatalf("complete: %+v %v", c, err)
	}
	view, err := svc.Support(ctx, none)
	if err != nil {
		t.Fatal(err)
	}
	if r := view.Checklist.Steps[1].HiddenReason; r == nil || *r == "" {
		t.Fatalf("support view does not say why SSO is hidden: %+v", view.Checklist.Steps[1])
	}
}

func TestSeedPublishesOnceAndSetsActivation(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	svc := onboarding.NewService(onboarding.Config{DB: db})
	ctx := context.Background()
	if did, err := svc.Seed(ctx); err != nil || !did {
		t.Fatalf("first seed: %v %v", did, err)
	}
	if did, err := svc.Seed(ctx); err != nil || did {
		t.Fatalf("second seed: %v %v", did, err)
	}
	if n := count(t, db, `SELECT count(*) FROM onboarding_versions`); n != 1 {
		t.Fatalf("%d versions", n)
	}
	def, err := svc.Activation(ctx)
	if err != nil || len(def.RequiredSteps) == 0 || def.UpdatedAt == nil {
		t.Fatalf("definition %+v %v", def, err)
	}
	org := newOrg(t, db)
	c, err := svc.Checklist(ctx, onboarding.Caller{OrgID: org, Role: "owner"})
	if err != nil || c.Version != 1 || len(c.Steps) < 4 {
		t.Fatalf("seeded checklist %+v %v", c, err)
	}
	booker, colleague := newMember(t, db, org, "member"), newMember(t, db, org, "member")
	if _, err := svc.Ingest(ctx, booker, []onboarding.ClientEvent{{ID: uuid.NewString(), Name: "session_booked", Timestamp: time.Now().Format(time.RFC3339)}}); err != nil {
		t.Fatal(err)
	}
	// first_session_booked is each member's own step.
	for who, want := range map[onboarding.Caller]string{booker: onboarding.StatusCompleted, colleague: onboarding.StatusPending} {
		c, err = svc.Checklist(ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range c.Steps {
			if s.Key == "first_session_booked" && (s.Status != want || s.Scope != onboarding.ScopeMember) {
				t.Fatalf("first_session_booked after one member's session_booked event, for %v: %+v, want %s", who.UserID, s, want)
			}
		}
	}
}

// dbPlans looks plans up with a query on the handle it is given, as billing
// does.
type dbPlans struct{}

func (dbPlans) PlanID(ctx context.Context, h database.Handle, orgID uuid.UUID) (string, error) {
	var name string
	err := h.Query(ctx).Raw(`SELECT name FROM organizations WHERE id = ?`, orgID).Scan(&name).Error
	return "enterprise", err
}

// TestConcurrentCompletionsWithPlanRulesDoNotExhaustThePool: completing a
// step under a plan rule looks the plan up inside the step's transaction,
// not on a second connection, so many at once cannot take every pooled
// connection and wait forever for another.
func TestConcurrentCompletionsWithPlanRulesDoNotExhaustThePool(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	svc := onboarding.NewService(onboarding.Config{DB: db, Plans: dbPlans{}})
	publish(t, svc, onboarding.StepInput{Key: "enterprise_sso", Title: "SSO", Audience: onboarding.Audience{Plans: []string{"enterprise"}},
		Completion: onboarding.Completion{Type: onboarding.CompletionManual}})
	const n = 60 // three times the pool
	orgs := make([]uuid.UUID, n)
	for i := range orgs {
		orgs[i] = newOrg(t, db)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := make(chan error, n)
	for _, org := range orgs {
		go func() {
			_, err := svc.Complete(ctx, onboarding.Caller{OrgID: org, UserID: uuid.New(), Role: "owner"}, "enterprise_sso")
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatalf("complete: %v", err)
		}
	}
	if got := count(t, db, `SELECT count(*) FROM onboarding_organizations WHERE completed_steps @> ARRAY['enterprise_sso']`); got != n {
		t.Fatalf("%d organizations completed the step, want %d", got, n)
	}
}
