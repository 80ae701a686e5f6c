package onboarding

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/dbtest"
)

// TestCompleteSkipAndDismissAnswerFromTheirOwnTransaction: the checklist a
// write returns is built from the state it saved in its transaction, not
// read again after the commit (no checklist read query runs).
func TestCompleteSkipAndDismissAnswerFromTheirOwnTransaction(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	svc := NewService(Config{DB: db})
	ctx := context.Background()
	for _, key := range []string{"read_guide", "watch_video"} {
		if _, err := svc.CreateStep(ctx, uuid.Nil, StepInput{Key: key, Title: key, Completion: Completion{Type: CompletionManual}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Publish(ctx, uuid.Nil); err != nil {
		t.Fatal(err)
	}
	org := uuid.Must(uuid.NewV7())
	user := uuid.Must(uuid.NewV7())
	if _, err := db.Pool.Exec(ctx, `INSERT INTO organizations (id, name) VALUES ($1, 'Org')`, org); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO users (id, email, full_name, password_hash) VALUES ($1, 'o@example.test', 'O', 'x')`, user); err != nil {
		t.Fatal(err)
	}
	caller := Caller{OrgID: org, UserID: user, Role: "owner"}

	reads := svc.store.reads.Queries()
	c, err := svc.Complete(ctx, caller, "read_guide")
	if err != nil || c.Version != 1 || c.Completed != 1 || c.Steps[0].Status != StatusCompleted {
		t.Fatalf("complete: %+v %v", c, err)
	}
	c, err = svc.Skip(ctx, caller, "watch_video")
	if err != nil || c.Steps[1].Status != StatusSkipped || c.Total != 1 || c.Percent != 100 {
		t.Fatalf("skip: %+v %v", c, err)
	}
	c, err = svc.Dismiss(ctx, caller)
	if err != nil || !c.Dismissed || c.Completed != 1 {
		t.Fatalf("dismiss: %+v %v", c, err)
	}
	if n := svc.store.reads.Queries() - reads; n != 0 {
		t.Fatalf("complete, skip and dismiss read the checklist again %d times", n)
	}
}
