package onboarding

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

// TestConcurrentChecklistReadsAreBatchedAndEachGetsItsOwnAnswer fires many
// concurrent reads over organizations and members whose states all differ,
// and checks that every caller gets its own organization's progress and its
// own dismissal while the reads share far fewer queries.
func TestConcurrentChecklistReadsAreBatchedAndEachGetsItsOwnAnswer(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	svc := NewService(Config{DB: db})
	ctx := context.Background()
	for _, key := range []string{"step_a", "step_b"} {
		if _, err := svc.CreateStep(ctx, uuid.Nil, StepInput{Key: key, Title: key, Completion: Completion{Type: CompletionManual}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Publish(ctx, uuid.Nil); err != nil {
		t.Fatal(err)
	}

	type member struct {
		v         Caller
		completed int
		dismissed bool
	}
	var members []member
	for i := range 12 {
		org := uuid.Must(uuid.NewV7())
		if _, err := db.Pool.Exec(ctx, `INSERT INTO organizations (id, name) VALUES ($1, $2)`, org, fmt.Sprint("Org ", i)); err != nil {
			t.Fatal(err)
		}
		completed := 0
		for _, step := range []struct {
			key  string
			done bool
		}{{"step_a", i%2 == 0}, {"step_b", i%3 == 0}} {
			if step.done {
				if _, err := svc.Complete(ctx, Caller{OrgID: org, UserID: uuid.New(), Role: "owner"}, step.key); err != nil {
					t.Fatal(err)
				}
				completed++
			}
		}
		for j := range 3 {
			user := uuid.Must(uuid.NewV7())
			if _, err := db.Pool.Exec(ctx, `INSERT INTO users (id, email, full_name, password_hash) VALUES ($1, $2, 'M', 'x')`, user, user.String()+"@example.test"); err != nil {
				t.Fatal(err)
			}
			m := member{v: Caller{OrgID: org, UserID: user, Role: "member"}, completed: completed, dismissed: (i+j)%2 == 0}
			if m.dismissed {
				if _, err := svc.Dismiss(ctx, m.v); err != nil {
					t.Fatal(err)
				}
			}
			members = append(members, m)
		}
	}

	before := svc.store.reads.Queries()
	const reads = 400
	var wg sync.WaitGroup
	errs := make(chan error, reads+1)
	for range reads {
		m := members[rand.IntN(len(members))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := svc.Checklist(ctx, m.v)
			switch {
			case err != nil:
				errs <- err
			case c.Completed != m.completed || c.Dismissed != m.dismissed:
				errs <- fmt.Errorf("org %s user %s: completed %d dismissed %v, want %d %v", m.v.OrgID, m.v.UserID, c.Completed, c.Dismissed, m.completed, m.dismissed)
			}
		}()
	}
	// An unknown organization in the same rush is not found, alone.
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := svc.Checklist(ctx, Caller{OrgID: uuid.New(), UserID: uuid.New(), Role: "owner"}); !apperr.Is(err, apperr.CodeNotFound) {
			errs <- fmt.Errorf("unknown organization: %v", err)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if q := svc.store.reads.Queries() - before; q >= reads {
		t.Errorf("%d reads took %d queries: not batched", reads+1, q)
	}

	// A read right after a write sees the write: members[3] belongs to
	// organization 1, which had completed nothing.
	m := members[3]
	if m.completed != 0 {
		t.Fatalf("fixture: organization 1 has %d steps completed", m.completed)
	}
	if _, err := svc.Complete(ctx, Caller{OrgID: m.v.OrgID, UserID: m.v.UserID, Role: "owner"}, "step_b"); err != nil {
		t.Fatal(err)
	}
	c, err := svc.Checklist(ctx, m.v)
	if err != nil {
		t.Fatal(err)
	}
	if c.Completed != 1 {
		t.Fatalf("read after completing: %d completed, want 1", c.Completed)
	}
}

// TestCanceledChecklistReadLeavesTheBatchAlone: a caller that gives up does
// not fail the others in its batch.
func TestCanceledChecklistReadLeavesTheBatchAlone(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	svc := NewService(Config{DB: db})
	org := uuid.Must(uuid.NewV7())
	if _, err := db.Pool.Exec(context.Background(), `INSERT INTO organizations (id, name) VALUES ($1, 'Org')`, org); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := svc.Checklist(canceled, Caller{OrgID: org, UserID: uuid.New(), Role: "owner"}); err == nil {
		t.Fatal("a canceled read answered")
	}
	if _, err := svc.Checklist(context.Background(), Caller{OrgID: org, UserID: uuid.New(), Role: "owner"}); err != nil {
		t.Fatalf("the next read: %v", err)
	}
}
