package onboarding_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/onboarding"
)

func ingest(t *testing.T, svc *onboarding.Service, c onboarding.Caller, names ...string) {
	t.Helper()
	events := make([]onboarding.ClientEvent, len(names))
	for i, name := range names {
		events[i] = onboarding.ClientEvent{ID: uuid.NewString(), Name: name, Timestamp: time.Now().UTC().Format(time.RFC3339Nano)}
	}
	res, err := svc.Ingest(context.Background(), c, events)
	if err != nil || res.Accepted != len(names) {
		t.Fatalf("ingest %v: %+v, %v", names, res, err)
	}
}

// rowVersion is the transaction that last wrote the organization's
// onboarding row.
func rowVersion(t *testing.T, db *database.DB, org uuid.UUID) string {
	t.Helper()
	var xmin string
	if err := db.Pool.QueryRow(context.Background(),
		`SELECT xmin::text FROM onboarding_organizations WHERE organization_id = $1`, org).Scan(&xmin); err != nil {
		t.Fatal(err)
	}
	return xmin
}

// A batch that moves nothing of the organization's row (a member's events
// no organization step counts) does not write it; one that completes a
// step does, and the member's own row follows every batch.
func TestBatchesWriteTheOrganizationRowOnlyWhenItChanges(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	svc := onboarding.NewService(onboarding.Config{DB: db})
	publish(t, svc, onboarding.StepInput{Key: "first_session", Title: "Book a session", Required: true,
		Completion: onboarding.Completion{Type: onboarding.CompletionEvent, Event: "session_booked"}})
	org := newOrg(t, db)
	member := newMember(t, db, org, "member")

	ingest(t, svc, member, "app_opened") // the first batch may move the organization to the latest version
	before := rowVersion(t, db, org)
	ingest(t, svc, member, "app_opened", "page_viewed")
	if after := rowVersion(t, db, org); after != before {
		t.Fatalf("a batch no organization step counts rewrote the organization's row (xmin %s → %s)", before, after)
	}
	if n := count(t, db, `SELECT count(*) FROM onboarding_members WHERE user_id = $1 AND last_active_at IS NOT NULL`, member.UserID); n != 1 {
		t.Fatal("the member's own row did not record their activity")
	}

	ingest(t, svc, member, "session_booked")
	if rowVersion(t, db, org) == before {
		t.Fatal("the batch that completed a step did not write the organization's row")
	}
	if n := count(t, db, `SELECT count(*) FROM onboarding_organizations WHERE organization_id = $1 AND completed_steps = '{first_session}'`, org); n != 1 {
		t.Fatal("the completed step is not in the organization's row")
	}
	done := rowVersion(t, db, org)
	ingest(t, svc, member, "app_opened")
	if rowVersion(t, db, org) != done {
		t.Fatal("a batch after the completion rewrote the organization's row")
	}
}

// The sender's member row is read with the organization's; when that
// first moves the organization to a new version, which recomputes its
// members' steps, the batch builds on the recomputed row, not on the one
// read before.
func TestBatchAfterAnUpgradeKeepsTheMembersRecomputedSteps(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	svc := onboarding.NewService(onboarding.Config{DB: db})
	publish(t, svc, onboarding.StepInput{Key: "first_session", Title: "Book a session", Required: true, Scope: onboarding.ScopeMember,
		Completion: onboarding.Completion{Type: onboarding.CompletionEvent, Event: "session_booked"}})
	org := newOrg(t, db)
	member := newMember(t, db, org, "member")
	ingest(t, svc, member, "session_booked", "app_opened")

	// Version 2 adds a member step that the member's earlier app_opened
	// already completes, once their organization moves to it.
	publish(t, svc, onboarding.StepInput{Key: "open_app", Title: "Open the app", Scope: onboarding.ScopeMember,
		Completion: onboarding.Completion{Type: onboarding.CompletionEvent, Event: "app_opened"}})
	ingest(t, svc, member, "page_viewed")

	var steps []string
	if err := db.Pool.QueryRow(context.Background(),
		`SELECT completed_steps FROM onboarding_members WHERE organization_id = $1 AND user_id = $2`, org, member.UserID).Scan(&steps); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(steps, []string{"first_session", "open_app"}) {
		t.Fatalf("member's completed steps = %v, want [first_session open_app]", steps)
	}
}
