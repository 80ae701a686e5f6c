package onboarding_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/onboarding"
)

// Two servers on one database: what one publishes or defines, the other's
// next event batch uses, whatever its cache held.
func TestEventsUseTheDefinitionAndVersionAnotherServerJustChanged(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	admin, ingest := onboarding.NewService(onboarding.Config{DB: db}), onboarding.NewService(onboarding.Config{DB: db})
	ctx := context.Background()
	publish(t, admin, onboarding.StepInput{Key: "three_sessions", Title: "Sessions", Required: true,
		Completion: onboarding.Completion{Type: onboarding.CompletionEvent, Event: "session_booked", Count: 3}})
	org := newOrg(t, db)
	caller := newMember(t, db, org, "owner")
	at := time.Now().UTC().Add(-time.Hour)
	send := func(name string, n int) {
		t.Helper()
		events := make([]onboarding.ClientEvent, n)
		for i := range events {
			events[i] = onboarding.ClientEvent{ID: uuid.NewString(), Name: name, Timestamp: at.Format(time.RFC3339Nano)}
		}
		if _, err := ingest.Ingest(ctx, caller, events); err != nil {
			t.Fatal(err)
		}
	}
	// The ingesting server caches "no definition" and version 1.
	send("session_booked", 1)

	if _, err := admin.SetActivation(ctx, uuid.Nil, onboarding.DefinitionInput{RequiredSteps: []string{"three_sessions"}, WindowDays: 30}); err != nil {
		t.Fatal(err)
	}
	send("session_booked", 2)
	if n := count(t, db, `SELECT count(*) FROM onboarding_organizations WHERE organization_id = $1 AND activated_at IS NOT NULL`, org); n != 1 {
		t.Fatal("the batch that completed the required step did not activate under the new definition")
	}

	publish(t, admin, onboarding.StepInput{Key: "page", Title: "Page", Completion: onboarding.Completion{Type: onboarding.CompletionEvent, Event: "page_viewed", Count: 1}})
	send("page_viewed", 1)
	if n := count(t, db, `SELECT count(*) FROM onboarding_organizations WHERE organization_id = $1 AND version = 2 AND 'page' = ANY(completed_steps)`, org); n != 1 {
		t.Fatal("the batch after a publish on another server did not move the organization to the new version")
	}
}
