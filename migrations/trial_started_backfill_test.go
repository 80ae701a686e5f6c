package migrations_test

import (
	"context"
	"maps"
	"testing"
)

// Migration 19 adds the funnel's trial_started stage: the trials of
// existing subscriptions become milestones, every stage from paid on moves
// up by one, and the rollups follow.
func TestTrialStartedStageIsBackfilled(t *testing.T) {
	t.Parallel()
	db, provider := migratedTo(t, 18)
	ctx := context.Background()
	_, err := db.Pool.Exec(ctx, `
		INSERT INTO organizations (id, name) VALUES
		    ('00000000-0000-0000-0000-00000000000a', 'Trial then paid'),
		    ('00000000-0000-0000-0000-00000000000b', 'In its trial'),
		    ('00000000-0000-0000-0000-00000000000c', 'Paid without a trial'),
		    ('00000000-0000-0000-0000-00000000000d', 'Checkout only');
		UPDATE onboarding_organizations SET checkout_started_at = signed_up_at + interval '1 hour';
		UPDATE onboarding_organizations SET paid_at = signed_up_at + interval '15 days'
		WHERE organization_id IN ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000c');
		INSERT INTO subscriptions (id, organization_id, stripe_subscription_id, stripe_customer_id, status, seats, trial_end,
		                           activated_at, stripe_created, last_event_created, last_event_id) VALUES
		    (gen_random_uuid(), '00000000-0000-0000-0000-00000000000a', 'sub_a', 'cus_a', 'active', 3, now(), '2026-11-02T10:00:00Z', now(), now(), 'evt_a'),
		    (gen_random_uuid(), '00000000-0000-0000-0000-00000000000b', 'sub_b', 'cus_b', 'trialing', 3, now() + interval '9 days', '2026-11-03T10:00:00Z', now(), now(), 'evt_b'),
		    (gen_random_uuid(), '00000000-0000-0000-0000-00000000000c', 'sub_c', 'cus_c', 'active', 3, NULL, '2026-11-04T10:00:00Z', now(), now(), 'evt_c');`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.Up(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT right(organization_id::text, 1), funnel_stage, coalesce(trial_started_at::text, '') FROM onboarding_organizations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type milestone struct {
		stage int
		trial string
	}
	got := map[string]milestone{}
	for rows.Next() {
		var org string
		var m milestone
		if err := rows.Scan(&org, &m.stage, &m.trial); err != nil {
			t.Fatal(err)
		}
		got[org] = m
	}
	want := map[string]milestone{
		"a": {3, "2026-11-02 10:00:00+00"}, "b": {2, "2026-11-03 10:00:00+00"}, "c": {3, ""}, "d": {1, ""},
	}
	if !maps.Equal(got, want) {
		t.Fatalf("milestones %v, want %v", got, want)
	}
	byStage := map[int]int{}
	rollups, err := db.Pool.Query(ctx, `SELECT funnel_stage, sum(organizations)::int FROM onboarding_daily_organizations GROUP BY 1 HAVING sum(organizations) <> 0`)
	if err != nil {
		t.Fatal(err)
	}
	defer rollups.Close()
	for rollups.Next() {
		var stage, n int
		if err := rollups.Scan(&stage, &n); err != nil {
			t.Fatal(err)
		}
		byStage[stage] = n
	}
	if !maps.Equal(byStage, map[int]int{1: 1, 2: 1, 3: 2}) {
		t.Fatalf("rollups by stage %v", byStage)
	}
}
