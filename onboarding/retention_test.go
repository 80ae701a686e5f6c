package onboarding_test

import (
	"context"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/logtest"
	"github.com/onramp/onramp/onboarding"
)

// derived is everything kept about an organization's events besides the
// raw rows, as one JSON document per table.
func derived(t *testing.T, db *database.DB, org uuid.UUID) []string {
	t.Helper()
	var out []string
	for _, table := range []string{"onboarding_organizations", "onboarding_event_counts", "onboarding_members", "onboarding_member_event_counts"} {
		var doc string
		if err := db.Pool.QueryRow(context.Background(),
			`SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY to_jsonb(r)::text), '[]')::text FROM `+table+` r WHERE organization_id = $1`, org).Scan(&doc); err != nil {
			t.Fatal(err)
		}
		out = append(out, table+": "+doc)
	}
	return out
}

func TestPruneExpiredEventsKeepsWhatWasDerivedFromThem(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	logs := &logtest.Buffer{}
	start := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	clk := fakeclock.New(start)
	svc := onboarding.NewService(onboarding.Config{DB: db, Clock: clk, EventRetention: 30 * 24 * time.Hour,
		Log: slog.New(slog.NewJSONHandler(logs, nil))})
	ctx := context.Background()
	publish(t, svc, onboarding.StepInput{Key: "three_sessions", Title: "Three sessions", Required: true,
		Completion: onboarding.Completion{Type: onboarding.CompletionEvent, Event: "session_booked", Count: 3}})
	org := newOrg(t, db)
	member := uuid.Must(uuid.NewV7())
	if _, err := db.Pool.Exec(ctx, `INSERT INTO users (id, email, full_name, password_hash) VALUES ($1, $2, 'M', 'x')`,
		member, "m-"+member.String()+"@example.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, 'member')`, org, member); err != nil {
		t.Fatal(err)
	}
	caller := onboarding.Caller{OrgID: org, UserID: member, Role: "member"}
	send := func(n int) {
		t.Helper()
		batch := make([]onboarding.ClientEvent, n)
		for i := range batch {
			batch[i] = onboarding.ClientEvent{ID: uuid.NewString(), Name: "session_booked", Timestamp: clk.Now().Format(time.RFC3339)}
		}
		if _, err := svc.Ingest(ctx, caller, batch); err != nil {
			t.Fatal(err)
		}
	}
	send(2) // received at start: expired 31 days on
	clk.Advance(20 * 24 * time.Hour)
	send(1) // received 20 days on: kept
	clk.Advance(11 * 24 * time.Hour)
	before := derived(t, db, org)
	checklistBefore, err := svc.Checklist(ctx, caller)
	if err != nil {
		t.Fatal(err)
	}

	n, err := svc.PruneExpiredEvents(ctx)
	if err != nil || n != 2 {
		t.Fatalf("pruned %d, %v; want the 2 events received 31 days ago", n, err)
	}
	if left := count(t, db, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1`, org); left != 1 {
		t.Fatalf("%d events left, want the one received 11 days ago", left)
	}
	if after := derived(t, db, org); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatalf("pruning changed what was derived from the events:\nbefore %v\nafter  %v", before, after)
	}
	checklistAfter, err := svc.Checklist(ctx, caller)
	if err != nil {
		t.Fatal(err)
	}
	if s := checklistAfter.Steps[0]; s.Status != onboarding.StatusCompleted || s.Progress.Count != 3 || s.CompletedAt == nil ||
		!s.CompletedAt.Equal(*checklistBefore.Steps[0].CompletedAt) {
		t.Fatalf("checklist after pruning %+v, before %+v", s, checklistBefore.Steps[0])
	}

	lines := logs.Lines()
	if len(lines) != 1 || lines[0]["msg"] != "pruned expired events" || lines[0]["events"] != float64(2) {
		t.Fatalf("log %v, want one line with the number of events", lines)
	}
	for _, secret := range []string{org.String(), member.String(), "session_booked"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("the log names %s: %s", secret, logs.String())
		}
	}

	if n, err := svc.PruneExpiredEvents(ctx); err != nil || n != 0 {
		t.Fatalf("second run pruned %d, %v", n, err)
	}
}

func TestPruneEventsDeletesInSlicesUntilNoneIsLeft(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	svc := onboarding.NewService(onboarding.Config{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx := context.Background()
	cutoff := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	orgs := []uuid.UUID{newOrg(t, db), newOrg(t, db)}
	// 12 001 events a second apart, the last 1 000 on or after the cutoff,
	// spread over two organizations.
	if _, err := db.Pool.Exec(ctx, `
		INSERT INTO onboarding_events (organization_id, id, name, source, sent_at, occurred_at, received_at)
		SELECT ($1::uuid[])[1 + i % 2], gen_random_uuid(), 'guide_opened', 'client', at, at, at
		FROM generate_series(0, 12000) AS i, LATERAL (SELECT $2::timestamptz + (i - 11000) * interval '1 second' AS at) t`,
		orgs, cutoff); err != nil {
		t.Fatal(err)
	}
	n, err := svc.PruneEvents(ctx, cutoff)
	if err != nil || n != 11000 {
		t.Fatalf("pruned %d, %v; want 11000 over three slices", n, err)
	}
	if left := count(t, db, `SELECT count(*) FROM onboarding_events`); left != 1001 {
		t.Fatalf("%d events left, want 1001", left)
	}
	if old := count(t, db, `SELECT count(*) FROM onboarding_events WHERE received_at < $1`, cutoff); old != 0 {
		t.Fatalf("%d events before the cutoff left", old)
	}
}
