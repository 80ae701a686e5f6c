// Command load fills a migrated database with an onboarding data set for
// the benchmark: the demo checklist (published and with an activation
// definition), N organizations with signups spread over a year and UTM
// sources, and M events spread over them, with every derived row (event
// counters, step progress, milestones, activation) consistent with what the
// service itself would have written. It works in bulk SQL (generate_series)
// and takes about a minute for 100 000 organizations and 5 000 000 events.
//
//	DATABASE_URL=... go run ./bench/onboarding/load -orgs 100000 -events 5000000
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/onboarding"
)

func main() {
	orgs := flag.Int("orgs", 100_000, "organizations to create")
	events := flag.Int("events", 5_000_000, "events to create")
	flag.Parse()
	if err := load(context.Background(), os.Getenv("DATABASE_URL"), *orgs, *events); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func load(ctx context.Context, url string, orgs, events int) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := database.Open(ctx, url, quiet)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := database.Migrate(ctx, db.SQL(), db.Pool, quiet); err != nil {
		return err
	}
	if _, err := onboarding.NewService(onboarding.Config{DB: db}).Seed(ctx); err != nil {
		return err
	}
	perOrg := events / orgs
	steps := []struct{ what, sql string }{
		{"organizations (the trigger adds their onboarding rows)", fmt.Sprintf(`
			INSERT INTO organizations (id, name, utm_source, created_at, updated_at)
			SELECT gen_random_uuid(), 'Bench org ' || i,
			       (ARRAY['google', 'linkedin', 'newsletter', NULL])[1 + i %% 4],
			       now() - random() * interval '365 days', now()
			FROM generate_series(1, %d) AS i`, orgs)},
		// Three people per organization (owner, admin, member), each with
		// a live session (a refresh-token family): access checks on every
		// request look them up, as they would for real callers.
		{"members and sessions", `
			WITH u AS (
			    INSERT INTO users (id, email, full_name, password_hash, email_verified_at)
			    SELECT gen_random_uuid(), 'bench+' || o.id || '.' || r.role || '@bench.test', 'Bench ' || r.role, '!', now()
			    FROM organizations o CROSS JOIN (VALUES ('owner'), ('admin'), ('member')) AS r(role)
			    RETURNING id, split_part(email, '+', 2) AS rest),
			m AS (
			    INSERT INTO memberships (organization_id, user_id, role, joined_at)
			    SELECT split_part(rest, '.', 1)::uuid, id, split_part(split_part(rest, '.', 2), '@', 1), now()
			    FROM u RETURNING organization_id, user_id)
			INSERT INTO refresh_tokens (id, family_id, user_id, organization_id, token_hash, expires_at)
			SELECT gen_random_uuid(), gen_random_uuid(), user_id, organization_id, sha256(user_id::text::bytea), now() + interval '30 days'
			FROM m;
			-- The PM who reads the metrics: a staff user without a membership.
			WITH s AS (
			    INSERT INTO users (id, email, full_name, password_hash, email_verified_at, is_staff)
			    VALUES (gen_random_uuid(), 'bench-staff@bench.test', 'Bench staff', '!', now(), true) RETURNING id)
			INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at)
			SELECT gen_random_uuid(), gen_random_uuid(), id, sha256(id::text::bytea), now() + interval '30 days' FROM s`},
		// Events skip the foreign-key triggers (replica role): the
		// organizations exist, we just made them.
		{"events", fmt.Sprintf(`
			SET session_replication_role = replica;
			INSERT INTO onboarding_events (organization_id, id, name, source, sent_at, occurred_at, received_at, properties)
			SELECT o.organization_id, gen_random_uuid(), e.name,
			       CASE WHEN e.name IN ('member_joined', 'member_invited', 'checkout_started', 'subscription_activated', 'invoice_paid') THEN 'server' ELSE 'client' END,
			       e.at, e.at, e.at, '{}'
			FROM onboarding_organizations o
			CROSS JOIN generate_series(1, %d) AS k
			CROSS JOIN LATERAL (
			    SELECT (ARRAY[
			        'app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened',
			        'app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened',
			        'app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened',
			        'app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened',
			        'app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened',
			        'page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed',
			        'page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed',
			        'page_viewed','page_viewed','page_viewed','page_viewed','invoice_paid',
			        'session_booked','session_booked','session_booked','session_booked','session_booked','session_booked','session_booked','session_booked','session_booked',
			        'session_booked','session_booked','session_booked','session_booked','session_booked','session_booked','session_booked','session_booked','session_booked',
			        'member_joined','member_joined','member_joined','member_invited','checkout_started','checkout_started','subscription_activated'
			    ])[1 + floor(random() * 100)::int + k * 0] AS name,
			           least(now(), o.signed_up_at + random() * interval '60 days') AS at
			) AS e;
			SET session_replication_role = DEFAULT`, perOrg)},
		{"event counters", `
			INSERT INTO onboarding_event_counts (organization_id, name, count, first_at, last_at)
			SELECT organization_id, name, count(*), min(occurred_at), max(occurred_at)
			FROM onboarding_events GROUP BY organization_id, name`},
		// What lockState's upgrade does, for every organization at once.
		{"step progress and milestones", `
			WITH v AS (SELECT version, steps FROM onboarding_versions ORDER BY version DESC LIMIT 1),
			     s AS (
			        SELECT st ->> 'key' AS key, st -> 'completion' ->> 'event' AS event,
			               coalesce((st -> 'completion' ->> 'count')::int, 1) AS target
			        FROM v, jsonb_array_elements(v.steps) AS st
			        WHERE st -> 'completion' ->> 'type' = 'event'),
			     p AS (
			        SELECT c.organization_id,
			               jsonb_object_agg(s.key, jsonb_build_object('count', c.count) ||
			                   CASE WHEN c.count >= s.target THEN jsonb_build_object(
			                       'completed_at', CASE WHEN s.target = 1 THEN c.first_at ELSE c.last_at END, 'how', 'event')
			                   ELSE '{}'::jsonb END) AS progress
			        FROM onboarding_event_counts c JOIN s ON s.event = c.name
			        GROUP BY c.organization_id),
			     m AS (
			        SELECT organization_id,
			               min(first_at) FILTER (WHERE name = 'checkout_started') AS checkout,
			               min(first_at) FILTER (WHERE name = 'invoice_paid') AS paid
			        FROM onboarding_event_counts GROUP BY organization_id)
			UPDATE onboarding_organizations o
			SET version = (SELECT version FROM v), progress = coalesce(p.progress, '{}'),
			    completed_steps = ARRAY(SELECT e.key FROM jsonb_each(coalesce(p.progress, '{}')) AS e WHERE e.value ? 'completed_at' ORDER BY 1),
			    checkout_started_at = m.checkout, paid_at = m.paid
			FROM m LEFT JOIN p USING (organization_id)
			WHERE o.organization_id = m.organization_id`},
		// What evaluateActivation does.
		{"activation", `
			WITH a AS (
			    SELECT o.organization_id,
			           greatest(o.signed_up_at, max((o.progress -> k ->> 'completed_at')::timestamptz)) AS at,
			           bool_and(coalesce((o.progress -> k ->> 'completed_at')::timestamptz < o.signed_up_at + make_interval(days => d.window_days), false)) AS ok
			    FROM onboarding_organizations o, onboarding_activation d, unnest(d.required_steps) AS k
			    GROUP BY o.organization_id, o.signed_up_at)
			UPDATE onboarding_organizations o SET activated_at = a.at FROM a
			WHERE a.organization_id = o.organization_id AND a.ok`},
		{"organization_activated events and organizations.activated_at", `
			UPDATE organizations g SET activated_at = o.activated_at
			FROM onboarding_organizations o WHERE o.organization_id = g.id AND o.activated_at IS NOT NULL;
			INSERT INTO onboarding_events (organization_id, id, name, source, sent_at, occurred_at, received_at, properties)
			SELECT organization_id, gen_random_uuid(), 'organization_activated', 'server', activated_at, activated_at, activated_at, '{}'
			FROM onboarding_organizations WHERE activated_at IS NOT NULL;
			INSERT INTO onboarding_event_counts (organization_id, name, count, first_at, last_at)
			SELECT organization_id, 'organization_activated', 1, activated_at, activated_at
			FROM onboarding_organizations WHERE activated_at IS NOT NULL`},
		{"vacuum analyze", `VACUUM ANALYZE`},
	}
	for _, s := range steps {
		start := time.Now()
		if _, err := db.Pool.Exec(ctx, s.sql); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		fmt.Printf("%-62s %6.1fs\n", s.what, time.Since(start).Seconds())
	}
	var nOrgs, nEvents, activated int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM onboarding_organizations), (SELECT count(*) FROM onboarding_events),
		(SELECT count(*) FROM onboarding_organizations WHERE activated_at IS NOT NULL)`).Scan(&nOrgs, &nEvents, &activated); err != nil {
		return err
	}
	fmt.Printf("organizations %d, events %d, activated %d\n", nOrgs, nEvents, activated)
	return nil
}
