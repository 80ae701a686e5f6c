package onboarding_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/onboarding"
)

func recordAll(t *testing.T, db *database.DB, svc *onboarding.Service, org uuid.UUID, names ...string) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx *database.Tx) error {
		for _, name := range names {
			if err := svc.Record(context.Background(), tx, serverevent.Event{OrganizationID: org, Name: name}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func stageCounts(f onboarding.Funnel) map[string]int64 {
	out := map[string]int64{}
	for _, s := range f.Stages {
		out[s.Name] = s.Count
	}
	return out
}

// A change of the required steps changes the funnel's sequence of stages:
// until the recompute went through every organization, the funnel says
// computing and counts the milestone rows; then it reads the rollups
// again, with the same counts.
func TestFunnelSaysComputingUntilTheStagesAreRecomputed(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	svc := onboarding.NewService(onboarding.Config{DB: db}) // no queue: the test runs the recompute
	ctx := context.Background()
	event := func(key, name string) onboarding.StepInput {
		return onboarding.StepInput{Key: key, Title: key, Required: true, Completion: onboarding.Completion{Type: onboarding.CompletionEvent, Event: name}}
	}
	publish(t, svc, event("invite_teammate", serverevent.MemberInvited), event("verify_email", serverevent.EmailVerified))
	if _, err := svc.SetActivation(ctx, uuid.Nil, onboarding.DefinitionInput{RequiredSteps: []string{"invite_teammate"}, WindowDays: 30}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecomputeFunnelStages(ctx); err != nil {
		t.Fatal(err)
	}
	// Three paid, two of them invited (activated), one of those verified
	// its email too.
	for i := range 3 {
		org := newOrg(t, db)
		names := []string{serverevent.CheckoutStarted, serverevent.InvoicePaid}
		if i < 2 {
			names = append(names, serverevent.MemberInvited)
		}
		if i == 0 {
			names = append(names, serverevent.EmailVerified)
		}
		recordAll(t, db, svc, org, names...)
	}
	q := onboarding.MetricsQuery{From: time.Now().AddDate(0, 0, -2), To: time.Now().AddDate(0, 0, 2)}
	funnel := func() onboarding.Funnel {
		t.Helper()
		f, err := svc.Funnel(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if f := funnel(); f.Computing || stageCounts(f)["activated"] != 2 {
		t.Fatalf("before the change: %+v", f)
	}

	if _, err := svc.SetActivation(ctx, uuid.Nil, onboarding.DefinitionInput{RequiredSteps: []string{"verify_email", "invite_teammate"}, WindowDays: 30}); err != nil {
		t.Fatal(err)
	}
	// Paid without a trial: past trial_started all the same.
	want := map[string]int64{"signed_up": 3, "checkout_started": 3, "trial_started": 3, "paid": 3, "step:verify_email": 1, "step:invite_teammate": 1, "activated": 1}
	during := funnel()
	if !during.Computing || !maps.Equal(stageCounts(during), want) {
		t.Fatalf("during the recompute: computing %v, %v (want %v)", during.Computing, stageCounts(during), want)
	}
	changed, err := svc.RecomputeFunnelStages(ctx)
	// The two that invited: activated (5) before; now the one that also
	// verified is activated (6), the other is past paid only (3).
	if err != nil || changed != 2 {
		t.Fatalf("recompute: %d changed, %v", changed, err)
	}
	after := funnel()
	if after.Computing || !maps.Equal(stageCounts(after), want) {
		t.Fatalf("after the recompute: computing %v, %v (want %v)", after.Computing, stageCounts(after), want)
	}
}

// A recompute that started before another definition change does not
// mark the rollups ready: the second change's own recompute does.
func TestARecomputeOverlappedByAnotherChangeLeavesTheFunnelComputing(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	svc := onboarding.NewService(onboarding.Config{DB: db})
	ctx := context.Background()
	publish(t, svc, onboarding.StepInput{Key: "invite_teammate", Title: "Invite", Required: true,
		Completion: onboarding.Completion{Type: onboarding.CompletionEvent, Event: serverevent.MemberInvited}})
	// Generation 1 was the migration's; this change makes it 2. A job
	// that read generation 1 and finishes now must not mark 2 ready.
	if _, err := svc.SetActivation(ctx, uuid.Nil, onboarding.DefinitionInput{RequiredSteps: []string{"invite_teammate"}, WindowDays: 30}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE onboarding_funnel_stages SET ready = true WHERE generation = 1`); err != nil {
		t.Fatal(err)
	}
	f, err := svc.Funnel(ctx, onboarding.MetricsQuery{From: time.Now().AddDate(0, 0, -1), To: time.Now().AddDate(0, 0, 1)})
	if err != nil || !f.Computing {
		t.Fatalf("computing %v, %v", f.Computing, err)
	}
}
