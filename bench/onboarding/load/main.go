// Command load fills a migrated database with an onboarding data set for
// the benchmark: the demo checklist (published, with its member steps and
// an activation definition with a member threshold), N organizations with
// signups spread over a year and UTM sources, M members with live sessions
// (one organization has -big of them), and E events (members' own events
// spread over the 16 weeks after they joined, and what the server records:
// signups, verifications, invitations, joins, billing), with every derived
// row consistent with what the service itself would have written: event
// counters and step progress of organizations and of each member, member
// counters and retention rollups, seats, milestones and activation. A
// second checklist version is published 30 days before the load ends:
// organizations with no event since stay on the first one, as they would
// (a read or an event moves an organization to the latest). A share of
// the members dismissed their checklist. It works in bulk SQL
// (generate_series) on one connection, and ends with VACUUM ANALYZE.
//
//	DATABASE_URL=... go run ./bench/onboarding/load -orgs 100000 -members 1000000 -events 10000000
//	DATABASE_URL=... go run ./bench/onboarding/load -orgs 1000000 -members 3000000 -events 11000000
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/onboarding"
)

func main() {
	orgs := flag.Int("orgs", 100_000, "organizations to create")
	members := flag.Int("members", 1_000_000, "members to create (owners and admins included), about")
	big := flag.Int("big", 5_000, "members of the largest organization (the first one, 'Bench org 1')")
	events := flag.Int("events", 10_000_000, "events to create, about")
	flag.Parse()
	if *orgs < 2 || *members < *big+2*(*orgs-1) || *events < 3**members {
		fmt.Fprintln(os.Stderr, "load: need orgs >= 2, members >= big + 2 per other organization, events >= 3 per member")
		os.Exit(2)
	}
	if err := load(context.Background(), os.Getenv("DATABASE_URL"), *orgs, *members, *big, *events); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func load(ctx context.Context, url string, orgs, members, big, events int) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := database.Open(ctx, url, quiet)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := database.Migrate(ctx, db.SQL(), db.Pool, quiet); err != nil {
		return err
	}
	var existing int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM organizations`).Scan(&existing); err != nil {
		return err
	}
	if existing > 0 {
		return fmt.Errorf("the database has %d organizations already: load into an empty one (RELOAD=1 bench/onboarding/bench.sh)", existing)
	}
	if err := publish(ctx, db); err != nil {
		return err
	}
	// One connection for every step: the temporary tables and the session
	// settings below live in it.
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	for _, s := range steps(orgs, members, big, events) {
		start := time.Now()
		sql := s.sql
		if s.build != nil {
			if sql, err = s.build(ctx, db.Pool); err != nil {
				return fmt.Errorf("%s: %w", s.what, err)
			}
		}
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		fmt.Printf("%-66s %6.1fs\n", s.what, time.Since(start).Seconds())
	}
	var nOrgs, old, nMembers, dismissed, nEvents, activated int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM onboarding_organizations), (SELECT count(*) FROM onboarding_organizations WHERE version = 1),
		(SELECT count(*) FROM onboarding_members), (SELECT count(*) FROM onboarding_dismissals),
		(SELECT count(*) FROM onboarding_events), (SELECT count(*) FROM onboarding_organizations WHERE activated_at IS NOT NULL)`).
		Scan(&nOrgs, &old, &nMembers, &dismissed, &nEvents, &activated); err != nil {
		return err
	}
	fmt.Printf("organizations %d (%d on version 1), members %d (%d dismissed the checklist), events %d, activated %d\n",
		nOrgs, old, nMembers, dismissed, nEvents, activated)
	return nil
}

// publish seeds the demo checklist (version 1), then publishes a second
// version with one more step, a manual one nobody has done yet, so that an
// organization's progress is the same on either version; it was published
// 30 days ago.
func publish(ctx context.Context, db *database.DB) error {
	svc := onboarding.NewService(onboarding.Config{DB: db})
	if _, err := svc.Seed(ctx); err != nil {
		return err
	}
	if _, err := svc.CreateStep(ctx, uuid.Nil, onboarding.StepInput{
		Key: "kickoff_call", Title: "Book a kickoff call", Description: "Half an hour with us to plan how your team starts.",
		Audience: onboarding.Audience{Roles: []string{"owner", "admin"}}, Completion: onboarding.Completion{Type: onboarding.CompletionManual},
		Translations: onboarding.Translations{"fr": {Title: "Planifiez un appel de lancement",
			Description: "Une demi-heure avec nous pour préparer les débuts de votre équipe."}},
	}); err != nil {
		return fmt.Errorf("second version: %w", err)
	}
	if _, err := svc.Publish(ctx, uuid.Nil); err != nil {
		return fmt.Errorf("second version: %w", err)
	}
	_, err := db.Pool.Exec(ctx, `UPDATE onboarding_versions SET published_at = now() - interval '30 days' WHERE version = 2`)
	return err
}

// step is one bulk statement (or a few); build, when set, makes it from
// what the database holds by then.
type step struct {
	what  string
	sql   string
	build func(context.Context, *pgxpool.Pool) (string, error)
}

// clientNames are the names members' own events take (their use of the
// service, so they count for retention and last activity); the server's
// names are never among them. session_booked completes the member step
// first_session_booked.
const clientNames = `ARRAY['app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened','app_opened',
	'page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed',
	'session_booked','session_booked','checkin_answered','checkin_answered']`

func steps(orgs, members, big, events int) []step {
	// Members per organization besides the big one: an average around
	// which they vary by up to ±spread (at least 3: owner, admin, member).
	// (At least 2: owner and admin; 100k organizations and 1M members
	// give 4 to 16, 1M and 3M give 2 to 4.)
	avg := float64(members-big) / float64(orgs-1)
	spread := min(6, int(math.Round(avg))-2)
	return []step{
		// JIT compiles the big plans for longer than they run. Memoize
		// would cache a member's generate_series(1, random…) by the
		// member's rank k, giving every k one count of events (10.8 M or
		// 7.8 M at 100k, by luck, clumped on 16 counts).
		{what: "session settings", sql: `SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'; SET max_parallel_workers_per_gather = 2; SET jit = off; SET enable_memoize = off`},
		// The plan of the data set, one row per organization: signup time,
		// members, and when (if ever) checkout started and the
		// subscription became active, with its seats.
		// The rollup triggers would turn each bulk statement below into
		// one delta per row; they are off for the load, and the rollups
		// are counted once at the end, as the migration's backfill does.
		{what: "rollup triggers off", sql: `
			ALTER TABLE onboarding_organizations DISABLE TRIGGER onboarding_organizations_rollup_insert;
			ALTER TABLE onboarding_organizations DISABLE TRIGGER onboarding_organizations_rollup_update;
			ALTER TABLE onboarding_organizations DISABLE TRIGGER onboarding_organizations_rollup_delete`},
		{what: "organizations (the trigger adds their onboarding rows)", sql: fmt.Sprintf(`
			CREATE TEMP TABLE bo AS
			SELECT i, gen_random_uuid() AS id, signed_up_at,
			       CASE WHEN i = 1 THEN %[2]d ELSE round(%[3]f)::int + ((i::bigint * 7919) %% %[4]d)::int - %[5]d END AS n,
			       CASE WHEN i = 1 OR r1 < 0.6 THEN least(now(), signed_up_at + r2 * interval '14 days') END AS checkout_at,
			       CASE WHEN i = 1 OR (r1 < 0.6 AND r3 < 0.8) THEN least(now(), signed_up_at + r2 * interval '14 days' + r3 * interval '2 days') END AS sub_at
			FROM (SELECT i, random() AS r1, random() AS r2, random() AS r3,
			             CASE WHEN i = 1 THEN now() - interval '60 days' ELSE now() - random() * interval '365 days' END AS signed_up_at
			      FROM generate_series(1, %[1]d) AS i) AS g;
			ALTER TABLE bo ADD PRIMARY KEY (i);
			ANALYZE bo;
			INSERT INTO organizations (id, name, utm_source, created_at, updated_at)
			SELECT id, 'Bench org ' || i, (ARRAY['google', 'linkedin', 'newsletter', NULL])[1 + i %% 4], signed_up_at, now()
			FROM bo`, orgs, big, avg, 2*spread+1, spread)},
		// Member k of an organization: 1 is its owner (joined at signup),
		// 2 an admin, the others members, who joined within 28 days of
		// signup. Each has a live session (a refresh-token family).
		{what: "users, memberships (tracking trigger off) and sessions", sql: `
			CREATE TEMP TABLE bm AS
			SELECT o.id AS organization_id, gen_random_uuid() AS user_id, o.i, k,
			       CASE k WHEN 1 THEN 'owner' WHEN 2 THEN 'admin' ELSE 'member' END AS role,
			       CASE WHEN k = 1 THEN o.signed_up_at ELSE least(now(), o.signed_up_at + random() * interval '28 days') END AS joined_at
			FROM bo o CROSS JOIN LATERAL generate_series(1, o.n) AS k;
			ANALYZE bm;
			INSERT INTO users (id, email, full_name, password_hash, email_verified_at)
			SELECT user_id, 'bench+' || i || '.' || k || '@bench.test', 'Bench ' || role || ' ' || k, '!', joined_at FROM bm;
			-- The trigger recounts the organization's members at every row;
			-- the member rows and counters are filled in bulk below instead.
			-- (Replica role: no foreign-key checks either, the rows exist.)
			ALTER TABLE memberships DISABLE TRIGGER memberships_onboarding_track;
			SET session_replication_role = replica;
			INSERT INTO memberships (organization_id, user_id, role, joined_at)
			SELECT organization_id, user_id, role, joined_at FROM bm;
			INSERT INTO refresh_tokens (id, family_id, user_id, organization_id, token_hash, expires_at)
			SELECT gen_random_uuid(), gen_random_uuid(), user_id, organization_id, sha256(user_id::text::bytea), now() + interval '30 days'
			FROM bm;
			-- A sixth of them closed their checklist, some time after joining.
			INSERT INTO onboarding_dismissals (organization_id, user_id, dismissed_at)
			SELECT organization_id, user_id, joined_at + random() * (now() - joined_at) FROM bm WHERE random() < 1.0 / 6;
			SET session_replication_role = DEFAULT;
			ALTER TABLE memberships ENABLE TRIGGER memberships_onboarding_track;
			-- The PM who reads the metrics: a staff user without a membership.
			WITH s AS (
			    INSERT INTO users (id, email, full_name, password_hash, email_verified_at, is_staff)
			    VALUES (gen_random_uuid(), 'bench-staff@bench.test', 'Bench staff', '!', now(), true) RETURNING id)
			INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at)
			SELECT gen_random_uuid(), gen_random_uuid(), id, sha256(id::text::bytea), now() + interval '30 days' FROM s`},
		// Seats: the members, and up to four more; the big one pays for
		// its 5 000.
		{what: "subscriptions", sql: `
			INSERT INTO subscriptions (id, organization_id, stripe_subscription_id, stripe_customer_id, stripe_item_id, stripe_price_id,
			                           plan_id, status, seats, current_period_end, activated_at, stripe_created, last_event_created, last_event_id)
			SELECT gen_random_uuid(), id, 'sub_bench_' || i, 'cus_bench_' || i, 'si_bench_' || i, 'price_test_monthly',
			       'standalone-monthly', 'active', CASE WHEN i = 1 THEN n ELSE n + i % 5 END, sub_at + interval '30 days', sub_at, sub_at, sub_at, 'evt_bench_' || i
			FROM bo WHERE sub_at IS NOT NULL`},
		// What the server records (replica role: no foreign-key checks,
		// the rows exist): a signup and the owner's verification per
		// organization, an invitation (by the owner) and a join per other
		// member, checkout and billing.
		{what: "server events", sql: `
			SET session_replication_role = replica;
			INSERT INTO onboarding_events (organization_id, id, name, source, user_id, sent_at, occurred_at, received_at, properties)
			SELECT organization_id, gen_random_uuid(), e.name, 'server', e.user_id, e.at, e.at, e.at, '{}'
			FROM (
			    SELECT organization_id, 'organization_signed_up' AS name, user_id, joined_at AS at FROM bm WHERE k = 1
			    UNION ALL SELECT organization_id, 'email_verified', user_id, least(now(), joined_at + random() * interval '2 days') FROM bm WHERE k = 1 AND i % 10 <> 0
			    UNION ALL SELECT m.organization_id, 'member_invited', o.user_id, greatest(o.joined_at, m.joined_at - random() * interval '1 day')
			              FROM bm m JOIN bm o ON o.organization_id = m.organization_id AND o.k = 1 WHERE m.k > 1
			    UNION ALL SELECT organization_id, 'member_joined', user_id, joined_at FROM bm WHERE k > 1
			    UNION ALL SELECT id, 'checkout_started', NULL, checkout_at FROM bo WHERE checkout_at IS NOT NULL
			    UNION ALL SELECT id, 'subscription_activated', NULL, sub_at FROM bo WHERE sub_at IS NOT NULL
			    UNION ALL SELECT id, 'invoice_paid', NULL, sub_at FROM bo WHERE sub_at IS NOT NULL
			) AS e;
			SET session_replication_role = DEFAULT`},
		// Members' own events, as the client sends them with their token:
		// each member sends 0 to 2× the average left, spread over the 16
		// weeks after they joined (or until now).
		{what: "members' events", build: func(ctx context.Context, pool *pgxpool.Pool) (string, error) {
			var sofar, nMembers int
			if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM onboarding_events), (SELECT count(*) FROM memberships)`).Scan(&sofar, &nMembers); err != nil {
				return "", err
			}
			per := float64(events-sofar) / float64(nMembers)
			if per <= 0 {
				return "", fmt.Errorf("the server's events alone make %d: ask for more than -events %d", sofar, events)
			}
			return fmt.Sprintf(`
			SET session_replication_role = replica;
			INSERT INTO onboarding_events (organization_id, id, name, source, user_id, sent_at, occurred_at, received_at, properties)
			SELECT m.organization_id, gen_random_uuid(), (%s)[1 + floor(random() * 20)::int + j * 0], 'client', m.user_id, e.at, e.at, e.at, '{}'
			FROM bm m
			CROSS JOIN LATERAL generate_series(1, floor(random() * %f + (m.k * 0))::int) AS j
			CROSS JOIN LATERAL (SELECT m.joined_at + random() * least(interval '112 days', now() - m.joined_at) + j * interval '0' AS at) AS e;
			SET session_replication_role = DEFAULT`, clientNames, 2*per+1), nil
		}},
		{what: "event counters", sql: `
			INSERT INTO onboarding_event_counts (organization_id, name, count, first_at, last_at)
			SELECT organization_id, name, count(*), min(occurred_at), max(occurred_at)
			FROM onboarding_events GROUP BY organization_id, name`},
		// What the membership trigger and each batch's applyMemberEvents
		// write, for every member at once: their row, their counters, their
		// progress on the member steps (event steps: by their own counters,
		// as upgradeProgress; the seed's have a target of one), and when
		// they were last active (their own events, not the server's).
		{what: "member rows, counters and member-step progress", sql: `
			SET session_replication_role = replica;
			INSERT INTO onboarding_member_event_counts (organization_id, user_id, name, count, first_at, last_at)
			SELECT organization_id, user_id, name, count(*), min(occurred_at), max(occurred_at)
			FROM onboarding_events WHERE user_id IS NOT NULL GROUP BY organization_id, user_id, name;
			WITH v AS (SELECT version, steps FROM onboarding_versions ORDER BY version DESC LIMIT 1),
			     s AS (
			        SELECT st ->> 'key' AS key, st -> 'completion' ->> 'event' AS event,
			               coalesce(nullif(st -> 'completion' ->> 'count', '')::int, 1) AS target
			        FROM v, jsonb_array_elements(v.steps) AS st
			        WHERE st ->> 'scope' = 'member' AND st -> 'completion' ->> 'type' = 'event'),
			     p AS (
			        SELECT c.organization_id, c.user_id,
			               jsonb_object_agg(s.key, jsonb_build_object('count', c.count) ||
			                   CASE WHEN c.count >= s.target THEN jsonb_build_object(
			                       'completed_at', CASE WHEN s.target = 1 THEN c.first_at ELSE c.last_at END, 'how', 'event')
			                   ELSE '{}'::jsonb END) AS progress,
			               array_agg(s.key ORDER BY s.key) FILTER (WHERE c.count >= s.target) AS completed,
			               min(CASE WHEN s.target = 1 THEN c.first_at ELSE c.last_at END) FILTER (WHERE c.count >= s.target) AS first_step_at
			        FROM onboarding_member_event_counts c JOIN s ON s.event = c.name
			        GROUP BY c.organization_id, c.user_id),
			     a AS (
			        SELECT organization_id, user_id, max(last_at) AS last_active_at
			        FROM onboarding_member_event_counts WHERE name = ANY(` + clientNames + `)
			        GROUP BY organization_id, user_id)
			INSERT INTO onboarding_members (organization_id, user_id, joined_at, progress, completed_steps, first_step_at, last_active_at)
			SELECT m.organization_id, m.user_id, m.joined_at, coalesce(p.progress, '{}'), coalesce(p.completed, '{}'), p.first_step_at, a.last_active_at
			FROM memberships m
			LEFT JOIN p ON p.organization_id = m.organization_id AND p.user_id = m.user_id
			LEFT JOIN a ON a.organization_id = m.organization_id AND a.user_id = m.user_id;
			SET session_replication_role = DEFAULT`},
		// Retention: the weeks after joining (0-12, from the Monday of the
		// join week, UTC) in which a member sent an event of theirs, per
		// name and for any event (''), then the anonymous rollups by join
		// week and shard, as the trigger and recordMemberActivity keep them.
		{what: "member weeks", sql: `
			SET session_replication_role = replica;
			INSERT INTO onboarding_member_weeks (organization_id, user_id, week, name)
			SELECT DISTINCT e.organization_id, e.user_id, w.week, n.name
			FROM onboarding_events e JOIN bm m USING (organization_id, user_id)
			CROSS JOIN LATERAL (SELECT floor(extract(epoch FROM e.occurred_at - date_trunc('week', m.joined_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') / 604800)::int AS week) w
			CROSS JOIN LATERAL (VALUES (e.name), ('')) AS n(name)
			WHERE e.source = 'client' AND w.week BETWEEN 0 AND 12;
			SET session_replication_role = DEFAULT`},
		{what: "cohort rollups", sql: `
			INSERT INTO onboarding_cohort_members (cohort, shard, members)
			SELECT date_trunc('week', joined_at AT TIME ZONE 'UTC')::date, onboarding_shard(organization_id), count(*)
			FROM onboarding_members GROUP BY 1, 2;
			INSERT INTO onboarding_cohort_activity (cohort, week, name, shard, members)
			SELECT date_trunc('week', m.joined_at AT TIME ZONE 'UTC')::date, w.week, w.name, onboarding_shard(m.organization_id), count(*)
			FROM onboarding_member_weeks w JOIN onboarding_members m USING (organization_id, user_id)
			GROUP BY 1, 2, 3, 4`},
		// What lockState's upgrade and each batch do for the organization:
		// progress on organization steps (an N-event step completed at its
		// N-th event), milestones, invitations sent, seats and plan, and the
		// member counters as onboarding_recount_members sets them.
		{what: "organization progress, milestones and counters", sql: `
			CREATE TEMP TABLE os AS
			WITH v AS (SELECT version, steps FROM onboarding_versions ORDER BY version DESC LIMIT 1)
			SELECT st ->> 'key' AS key, st -> 'completion' ->> 'event' AS event,
			       coalesce(nullif(st -> 'completion' ->> 'count', '')::int, 1) AS target
			FROM v, jsonb_array_elements(v.steps) AS st
			WHERE coalesce(st ->> 'scope', 'organization') = 'organization' AND st -> 'completion' ->> 'type' = 'event';
			CREATE TEMP TABLE nth AS
			SELECT r.organization_id, r.key, r.occurred_at
			FROM (SELECT e.organization_id, s.key, s.target, e.occurred_at,
			             row_number() OVER (PARTITION BY e.organization_id, s.key ORDER BY e.occurred_at) AS rn
			      FROM onboarding_events e JOIN os s ON s.event = e.name AND s.target > 1) AS r
			WHERE r.rn = r.target;
			WITH p AS (
			        SELECT c.organization_id,
			               jsonb_object_agg(s.key, jsonb_build_object('count', c.count) ||
			                   CASE WHEN c.count >= s.target THEN jsonb_build_object(
			                       'completed_at', CASE WHEN s.target = 1 THEN c.first_at ELSE n.occurred_at END, 'how', 'event')
			                   ELSE '{}'::jsonb END) AS progress,
			               array_agg(s.key ORDER BY s.key) FILTER (WHERE c.count >= s.target) AS completed
			        FROM onboarding_event_counts c JOIN os s ON s.event = c.name
			        LEFT JOIN nth n ON n.organization_id = c.organization_id AND n.key = s.key
			        GROUP BY c.organization_id),
			     m AS (
			        SELECT organization_id,
			               min(first_at) FILTER (WHERE name = 'checkout_started') AS checkout,
			               min(first_at) FILTER (WHERE name = 'invoice_paid') AS paid,
			               coalesce(sum(count) FILTER (WHERE name = 'member_invited'), 0) AS invited
			        FROM onboarding_event_counts GROUP BY organization_id),
			     mc AS (
			        SELECT organization_id, count(*) FILTER (WHERE left_at IS NULL) AS joined,
			               count(*) FILTER (WHERE left_at IS NULL AND first_step_at IS NOT NULL) AS started,
			               count(*) FILTER (WHERE left_at IS NULL AND last_active_at >= now() - interval '28 days') AS active
			        FROM onboarding_members GROUP BY organization_id),
			     k AS (
			        SELECT organization_id, jsonb_object_agg(key, n) AS completions
			        FROM (SELECT organization_id, key, count(*) AS n FROM onboarding_members, unnest(completed_steps) AS key
			              WHERE left_at IS NULL GROUP BY 1, 2) AS per_key
			        GROUP BY organization_id),
			     sub AS (
			        SELECT DISTINCT ON (organization_id) organization_id, seats, plan_id FROM subscriptions
			        WHERE status IN ('trialing', 'active', 'past_due') ORDER BY organization_id, stripe_created DESC)
			UPDATE onboarding_organizations o
			SET version = (SELECT max(version) FROM onboarding_versions), progress = coalesce(p.progress, '{}'),
			    completed_steps = coalesce(p.completed, '{}'), checkout_started_at = m.checkout, paid_at = m.paid,
			    members_invited = coalesce(m.invited, 0), members_joined = coalesce(mc.joined, 0), members_started = coalesce(mc.started, 0),
			    members_active_28d = coalesce(mc.active, 0),
			    member_completions = coalesce(k.completions, '{}'), seats = coalesce(sub.seats, 0), plan_id = sub.plan_id
			FROM onboarding_organizations o2
			LEFT JOIN p USING (organization_id) LEFT JOIN m USING (organization_id) LEFT JOIN mc USING (organization_id)
			LEFT JOIN k USING (organization_id) LEFT JOIN sub USING (organization_id)
			WHERE o.organization_id = o2.organization_id;
			-- Counted as the hourly recount counts them (RecountActiveMembers),
			-- so that the server's first recount changes only what time moved.
			INSERT INTO onboarding_active_recounts (singleton, counted_at, active_since)
			VALUES (true, now(), now() - interval '28 days')
			ON CONFLICT (singleton) DO UPDATE SET counted_at = excluded.counted_at, active_since = excluded.active_since`},
		// What evaluateActivation does: the required organization steps
		// done within the window and, per member threshold, the k-th
		// current member (k = the share of the seats, or of the members
		// without a subscription) done within it too; activated at the
		// latest of those times. Member thresholds make the time onboarding's
		// own (activated_by_members): organizations.activated_at stays NULL.
		// Statistics first: without them the planner takes the definition
		// for 670 rows and this ran for minutes instead of seconds.
		{what: "activation", sql: `
			ANALYZE onboarding_activation, onboarding_organizations, onboarding_members;
			WITH d AS (SELECT required_steps, window_days, member_steps FROM onboarding_activation),
			     ms AS (SELECT x ->> 'key' AS key, (x ->> 'min_share')::float8 AS share FROM d, jsonb_array_elements(d.member_steps) AS x),
			     need AS (
			        SELECT o.organization_id, ms.key,
			               greatest(1, ceil(ms.share * (CASE WHEN o.seats > 0 THEN o.seats ELSE o.members_joined END) - 1e-9))::int AS k
			        FROM onboarding_organizations o, ms),
			     ranked AS (
			        SELECT m.organization_id, c.key, (m.progress -> c.key ->> 'completed_at')::timestamptz AS at,
			               row_number() OVER (PARTITION BY m.organization_id, c.key ORDER BY (m.progress -> c.key ->> 'completed_at')::timestamptz) AS rn
			        FROM onboarding_members m, unnest(m.completed_steps) AS c(key)
			        WHERE m.left_at IS NULL AND c.key IN (SELECT key FROM ms)),
			     member_ok AS (
			        SELECT n.organization_id, bool_and(r.at IS NOT NULL AND r.at < o.signed_up_at + make_interval(days => d.window_days)) AS ok, max(r.at) AS at
			        FROM need n JOIN onboarding_organizations o USING (organization_id) CROSS JOIN d
			        LEFT JOIN ranked r ON r.organization_id = n.organization_id AND r.key = n.key AND r.rn = n.k
			        GROUP BY n.organization_id),
			     org_ok AS (
			        SELECT o.organization_id,
			               bool_and(coalesce((o.progress -> k ->> 'completed_at')::timestamptz < o.signed_up_at + make_interval(days => d.window_days), false)) AS ok,
			               max((o.progress -> k ->> 'completed_at')::timestamptz) AS at
			        FROM onboarding_organizations o, d, unnest(d.required_steps) AS k
			        GROUP BY o.organization_id),
			     a AS (
			        SELECT o.organization_id, greatest(o.signed_up_at, g.at, mo.at) AS at, (SELECT jsonb_array_length(member_steps) > 0 FROM d) AS by_members
			        FROM onboarding_organizations o
			        LEFT JOIN org_ok g USING (organization_id) LEFT JOIN member_ok mo USING (organization_id)
			        WHERE (g.organization_id IS NOT NULL OR mo.organization_id IS NOT NULL)
			          AND coalesce(g.ok, true) AND coalesce(mo.ok, true))
			UPDATE onboarding_organizations o SET activated_at = a.at, activated_by_members = a.by_members FROM a
			WHERE a.organization_id = o.organization_id`},
		{what: "organization_activated events and organizations.activated_at", sql: `
			UPDATE organizations g SET activated_at = o.activated_at
			FROM onboarding_organizations o WHERE o.organization_id = g.id AND o.activated_at IS NOT NULL AND NOT o.activated_by_members;
			INSERT INTO onboarding_events (organization_id, id, name, source, sent_at, occurred_at, received_at, properties)
			SELECT o.organization_id, gen_random_uuid(), 'organization_activated', 'server', o.activated_at, o.activated_at, o.activated_at,
			       jsonb_build_object('required_steps', d.required_steps, 'window_days', d.window_days, 'member_steps', d.member_steps)
			FROM onboarding_organizations o, onboarding_activation d WHERE o.activated_at IS NOT NULL;
			INSERT INTO onboarding_event_counts (organization_id, name, count, first_at, last_at)
			SELECT organization_id, 'organization_activated', 1, activated_at, activated_at
			FROM onboarding_organizations WHERE activated_at IS NOT NULL`},
		// The events were inserted in random received_at order, which
		// leaves that index half empty from page splits; the service
		// appends to it in time order, which keeps it dense. Rebuilt, it
		// is closer to what ingestion would have left (364 MB as loaded).
		// An organization moves to the latest version at its next event or
		// read: those without any event since the second version was
		// published are still on the first.
		{what: "organizations left on version 1", sql: `
			UPDATE onboarding_organizations o SET version = 1
			WHERE NOT EXISTS (SELECT 1 FROM onboarding_event_counts c, onboarding_versions v
			                  WHERE c.organization_id = o.organization_id AND v.version = 2 AND c.last_at >= v.published_at)`},
		{what: "rollups counted, rollup triggers on", sql: `
			SELECT onboarding_rebuild_rollups();
			-- Days before yesterday folded, as the hourly job keeps them
			-- on a server that has been running.
			SELECT onboarding_fold_rollup_shards('2000-01-01', current_date - 1);
			-- Every cohort median computed, as the hourly job keeps them.
			SELECT onboarding_refresh_cohort_medians(1000000);
			-- The stage trigger set every stage under the definition the
			-- seed wrote: nothing for the recompute job to do.
			UPDATE onboarding_funnel_stages SET required_steps = coalesce((SELECT required_steps FROM onboarding_activation), '{}'), ready = true;
			ALTER TABLE onboarding_organizations ENABLE TRIGGER onboarding_organizations_rollup_insert;
			ALTER TABLE onboarding_organizations ENABLE TRIGGER onboarding_organizations_rollup_update;
			ALTER TABLE onboarding_organizations ENABLE TRIGGER onboarding_organizations_rollup_delete`},
		{what: "event ids (the dedup key)", sql: `
			INSERT INTO onboarding_event_ids (organization_id, id) SELECT organization_id, id FROM onboarding_events`},
		{what: "received_at index rebuilt", sql: `REINDEX INDEX onboarding_events_received_idx`},
		{what: "vacuum analyze", sql: `VACUUM ANALYZE`},
	}
}
