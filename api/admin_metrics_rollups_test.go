package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// rollupMismatches recounts the daily rollups from onboarding_organizations
// (with each organization's stage under the definition of the moment) and
// lists the keys where they differ, in either direction, summed over the
// shards (which rows of a key hold what is the writers' business: shards
// for recent days, one row for older ones).
func rollupMismatches(t *testing.T, env *testenv.Env) []string {
	t.Helper()
	rows, err := env.DB.Pool.Query(context.Background(), `
		WITH recount AS (
		    SELECT (signed_up_at AT TIME ZONE 'UTC')::date AS day, coalesce(utm_source, '') AS utm_source, coalesce(plan_id, '') AS plan_id,
		           onboarding_funnel_stage(checkout_started_at, trial_started_at, paid_at, completed_steps, activated_at,
		                                   coalesce((SELECT required_steps FROM onboarding_activation), '{}')) AS funnel_stage,
		           count(*)::bigint AS organizations,
		           count(checkout_started_at)::bigint AS checkout_started, count(paid_at)::bigint AS paid,
		           count(activated_at)::bigint AS activated, sum(seats)::bigint AS seats, sum(members_invited)::bigint AS members_invited,
		           sum(members_joined)::bigint AS members_joined, sum(members_started)::bigint AS members_started,
		           sum(members_active_28d)::bigint AS members_active_28d
		    FROM onboarding_organizations GROUP BY 1, 2, 3, 4
		), kept AS (
		    SELECT day, utm_source, plan_id, funnel_stage, sum(organizations)::bigint, sum(checkout_started)::bigint, sum(paid)::bigint,
		           sum(activated)::bigint, sum(seats)::bigint, sum(members_invited)::bigint, sum(members_joined)::bigint,
		           sum(members_started)::bigint, sum(members_active_28d)::bigint
		    FROM onboarding_daily_organizations GROUP BY 1, 2, 3, 4
		    HAVING (sum(organizations), sum(checkout_started), sum(paid), sum(activated), sum(seats), sum(members_invited),
		            sum(members_joined), sum(members_started), sum(members_active_28d)) <> (0, 0, 0, 0, 0, 0, 0, 0, 0)
		), recount_activation AS (
		    SELECT (signed_up_at AT TIME ZONE 'UTC')::date AS day, coalesce(utm_source, '') AS utm_source,
		           onboarding_activation_bucket(activated_at - signed_up_at) AS bucket, count(*)::bigint AS organizations
		    FROM onboarding_organizations WHERE activated_at IS NOT NULL GROUP BY 1, 2, 3
		), kept_activation AS (
		    SELECT day, utm_source, bucket, organizations FROM onboarding_daily_activation WHERE organizations <> 0
		)
		(SELECT 'missing ' || r::text FROM (SELECT * FROM recount EXCEPT ALL SELECT * FROM kept) r)
		UNION ALL (SELECT 'extra ' || k::text FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM recount) k)
		UNION ALL (SELECT 'missing ' || r::text FROM (SELECT * FROM recount_activation EXCEPT ALL SELECT * FROM kept_activation) r)
		UNION ALL (SELECT 'extra ' || k::text FROM (SELECT * FROM kept_activation EXCEPT ALL SELECT * FROM recount_activation) k)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func execSQL(t *testing.T, env *testenv.Env, sql string, args ...any) {
	t.Helper()
	if _, err := env.DB.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func assertRollupsMatch(t *testing.T, env *testenv.Env, when string) {
	t.Helper()
	if diff := rollupMismatches(t, env); len(diff) > 0 {
		t.Fatalf("%s: the rollups differ from a recount:\n%v", when, diff)
	}
}

// recomputeStages does what the queued job does (the runner may have done
// it already: a second run finds nothing to change).
func recomputeStages(t *testing.T, env *testenv.Env) {
	t.Helper()
	// The definition change queued its own recompute: wait until the job
	// runner is done with it, so it cannot mark the stages ready while a
	// test reads the funnel with them marked stale (funnelBoth).
	waitForJobs(t, env, "recompute_funnel_stages")
	if _, err := env.App.Onboarding.RecomputeFunnelStages(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// funnelBoth reads the funnel of query from the rollups, then again from
// the milestone rows (the rollups marked stale, as during a recompute),
// and fails unless both agree and only the second says computing.
func funnelBoth(t *testing.T, env *testenv.Env, staff, query string) {
	t.Helper()
	as := testenv.WithBearer(staff)
	var fromRollups, fromMilestones map[string]any
	env.Do(t, "GET", "/v1/admin/metrics/funnel?"+query, nil, as).Expect(t, http.StatusOK).Decode(t, &fromRollups)
	execSQL(t, env, `UPDATE onboarding_funnel_stages SET ready = false`)
	env.Do(t, "GET", "/v1/admin/metrics/funnel?"+query, nil, as).Expect(t, http.StatusOK).Decode(t, &fromMilestones)
	execSQL(t, env, `UPDATE onboarding_funnel_stages SET ready = true`)
	if fromRollups["computing"] != false || fromMilestones["computing"] != true {
		t.Fatalf("%s: computing %v from the rollups, %v from the milestones", query, fromRollups["computing"], fromMilestones["computing"])
	}
	a, b := mustJSON(t, fromRollups["stages"]), mustJSON(t, fromMilestones["stages"])
	if a != b {
		t.Fatalf("%s: the rollups say\n%s\nthe milestones\n%s", query, a, b)
	}
}

func TestMetricsRollupsEqualARecountAfterEveryKindOfChange(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.MinGroupSize = 2 })
	_, staff := env.StaffToken(t)
	as := testenv.WithBearer(staff)
	// Signups, checkouts, payments, step completions and activations.
	metricsFixture(t, env, staff)
	recomputeStages(t, env)
	assertRollupsMatch(t, env, "after the fixture")

	// Members join and leave; a subscription sets seats and a plan.
	signup := time.Date(2026, 10, 8, 15, 30, 0, 0, time.UTC)
	org := env.NewOrg(t, testenv.OrgOptions{CreatedAt: signup, UTMSource: "google"})
	record(t, env, org.ID, "organization_signed_up", signup)
	first, _ := env.NewMember(t, org.ID, "member")
	env.NewMember(t, org.ID, "member")
	assertRollupsMatch(t, env, "after members joined")
	execSQL(t, env, `DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2`, org.ID, first)
	assertRollupsMatch(t, env, "after a member left")
	subscribe(t, env, org.ID, "active", 5)
	record(t, env, org.ID, "checkout_started", signup.Add(time.Hour))
	record(t, env, org.ID, "invoice_paid", signup.Add(2*time.Hour))
	assertRollupsMatch(t, env, "after a subscription")

	// A new version adds a step; an organization moves to it on its next
	// event. Then the definition requires it too: the stages are
	// recomputed.
	publishSteps(t, env, staff, eventStep("first_project", "project_created", 1, true))
	record(t, env, org.ID, "member_invited", signup.Add(3*time.Hour))
	record(t, env, org.ID, "project_created", signup.Add(4*time.Hour))
	assertRollupsMatch(t, env, "after a version publish")
	setActivation(t, env, staff, 7, "invite_teammate", "first_project")
	recomputeStages(t, env)
	assertRollupsMatch(t, env, "after the definition changed")
	var f map[string]any
	env.Do(t, "GET", "/v1/admin/metrics/funnel?from=2026-10-05&to=2026-10-26", nil, as).Expect(t, http.StatusOK).Decode(t, &f)
	if f["computing"] != false {
		t.Fatalf("computing after the recompute: %v", f["computing"])
	}
	for _, q := range []string{
		"from=2026-09-01&to=2026-11-01",
		"from=2026-10-05&to=2026-10-26&utm_source=google",
		"from=2026-10-05T10:00:00Z&to=2026-10-12T09:00:00Z", // partial first and last days
		"from=2026-10-08T12:00:00Z&to=2026-10-08T18:00:00Z", // within one day
	} {
		funnelBoth(t, env, staff, q)
	}

	// An organization deleted takes its counts with it.
	execSQL(t, env, `DELETE FROM organizations WHERE id = $1`, org.ID)
	assertRollupsMatch(t, env, "after an organization was deleted")
}
