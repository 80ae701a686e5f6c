package migrations_test

import (
	"context"
	"testing"
	"time"
)

// An event stored before the year-9999 check, with a sent_at in year
// 10000, gets its receive time instead once migration 6 runs.
func TestEventsBeyondYear9999AreRepaired(t *testing.T) {
	t.Parallel()
	db, provider := migratedTo(t, 5)
	ctx := context.Background()
	received := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	_, err := db.Pool.Exec(ctx, `
		WITH o AS (INSERT INTO organizations (id, name) VALUES (gen_random_uuid(), 'Acme') RETURNING id)
		INSERT INTO onboarding_events (organization_id, id, name, source, sent_at, occurred_at, received_at, clamped, properties)
		SELECT o.id, gen_random_uuid(), 'app_opened', 'client', '10000-01-01T04:00:00Z'::timestamptz, $1::timestamptz, $1::timestamptz, true, '{}'::jsonb FROM o
		UNION ALL
		SELECT o.id, gen_random_uuid(), 'app_opened', 'client', '2026-11-29T08:00:00Z'::timestamptz, '2026-11-29T08:00:00Z'::timestamptz, $1::timestamptz, false, '{}'::jsonb FROM o`, received)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.Up(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT sent_at FROM onboarding_events ORDER BY sent_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		got = append(got, at.UTC())
	}
	want := []time.Time{time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC), received}
	if len(got) != 2 || !got[0].Equal(want[0]) || !got[1].Equal(want[1]) {
		t.Fatalf("sent_at after the migration: %v, want %v (the year-10000 one at its receive time, the other unchanged)", got, want)
	}
}
