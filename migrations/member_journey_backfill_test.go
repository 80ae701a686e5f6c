package migrations_test

import (
	"context"
	"testing"
)

// Members and events from before migration 7 get their member rows,
// per-member counters, retention weeks (from what they sent themselves,
// not what the backend recorded about them) and the organization's member
// counters.
func TestMemberJourneyBackfillsWhatMembersDidBefore(t *testing.T) {
	t.Parallel()
	db, provider := migratedTo(t, 6)
	ctx := context.Background()
	// Acme: Ada joined on Monday 2026-11-02 (week 0 from then), Bob too;
	// Ada booked twice in week 1, and joined (a server event) in week 0.
	_, err := db.Pool.Exec(ctx, `
		INSERT INTO organizations (id, name) VALUES ('00000000-0000-0000-0000-00000000000a', 'Acme');
		INSERT INTO users (id, email, full_name, password_hash) VALUES
		    ('00000000-0000-0000-0000-0000000000a1', 'ada@acme.test', 'Ada', 'x'),
		    ('00000000-0000-0000-0000-0000000000b1', 'bob@acme.test', 'Bob', 'x');
		INSERT INTO memberships (organization_id, user_id, role, joined_at) VALUES
		    ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000a1', 'owner', '2026-11-02T10:00:00Z'),
		    ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000b1', 'member', '2026-11-03T10:00:00Z');
		INSERT INTO invitations (id, organization_id, email, role, token_hash, expires_at) VALUES
		    (gen_random_uuid(), '00000000-0000-0000-0000-00000000000a', 'bob@acme.test', 'member', 'h', now());
		INSERT INTO onboarding_events (organization_id, id, name, source, user_id, sent_at, occurred_at, received_at) VALUES
		    ('00000000-0000-0000-0000-00000000000a', gen_random_uuid(), 'member_joined', 'server', '00000000-0000-0000-0000-0000000000a1', '2026-11-02T10:00:00Z', '2026-11-02T10:00:00Z', now()),
		    ('00000000-0000-0000-0000-00000000000a', gen_random_uuid(), 'session_booked', 'client', '00000000-0000-0000-0000-0000000000a1', '2026-11-10T09:00:00Z', '2026-11-10T09:00:00Z', now()),
		    ('00000000-0000-0000-0000-00000000000a', gen_random_uuid(), 'session_booked', 'client', '00000000-0000-0000-0000-0000000000a1', '2026-11-12T09:00:00Z', '2026-11-12T09:00:00Z', now());`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var got struct {
		members, joined, invited, counted, weeks, cohortMembers, cohortWeek1 int
		lastActive                                                           string
	}
	err = db.Pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM onboarding_members),
		       (SELECT members_joined FROM onboarding_organizations),
		       (SELECT members_invited FROM onboarding_organizations),
		       (SELECT count FROM onboarding_member_event_counts WHERE name = 'session_booked'),
		       (SELECT count(*) FROM onboarding_member_weeks),
		       (SELECT sum(members) FROM onboarding_cohort_members WHERE cohort = '2026-11-02'),
		       (SELECT sum(members) FROM onboarding_cohort_activity WHERE cohort = '2026-11-02' AND week = 1 AND name = ''),
		       (SELECT to_char(last_active_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM onboarding_members
		         WHERE user_id = '00000000-0000-0000-0000-0000000000a1')`).
		Scan(&got.members, &got.joined, &got.invited, &got.counted, &got.weeks, &got.cohortMembers, &got.cohortWeek1, &got.lastActive)
	if err != nil {
		t.Fatal(err)
	}
	// Weeks: Ada's week 1, for session_booked and for any event; her
	// member_joined in week 0 is not use of the service.
	if got.members != 2 || got.joined != 2 || got.invited != 1 || got.counted != 2 || got.weeks != 2 ||
		got.cohortMembers != 2 || got.cohortWeek1 != 1 || got.lastActive != "2026-11-12 09:00" {
		t.Fatalf("after the migration: %+v", got)
	}
}
