package onboarding_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"github.com/onramp/onramp/onboarding"
)

// rollupsDisagree counts the (day, source, plan, stage) keys whose rollup
// sums, over all shards, differ from the organizations' rows counted
// afresh.
func rollupsDisagree(t *testing.T, db *database.DB) int {
	t.Helper()
	return count(t, db, `
		WITH fresh AS (
		    SELECT (signed_up_at AT TIME ZONE 'UTC')::date AS day, coalesce(utm_source, '') AS utm_source,
		           coalesce(plan_id, '') AS plan_id, funnel_stage, count(*) AS organizations,
		           count(checkout_started_at) AS checkout_started, count(paid_at) AS paid, count(activated_at) AS activated,
		           sum(seats) AS seats, sum(members_joined) AS members_joined
		    FROM onboarding_organizations GROUP BY 1, 2, 3, 4
		), rolled AS (
		    SELECT day, utm_source, plan_id, funnel_stage, sum(organizations) AS organizations,
		           sum(checkout_started) AS checkout_started, sum(paid) AS paid, sum(activated) AS activated,
		           sum(seats) AS seats, sum(members_joined) AS members_joined
		    FROM onboarding_daily_organizations GROUP BY 1, 2, 3, 4 HAVING sum(organizations) <> 0
		)
		SELECT count(*) FROM ((TABLE fresh EXCEPT TABLE rolled) UNION ALL (TABLE rolled EXCEPT TABLE fresh)) AS d`)
}

// Writes to days before yesterday go to one row per key; folding moves
// the shards of days that have since become older than yesterday into it,
// leaves yesterday and today alone, and changes no metric; a later change
// to an organization of a folded day adds up without a shard row.
func TestFoldingPastDaysKeepsEveryMetric(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	now := time.Now().UTC()
	clock := fakeclock.New(now)
	svc := onboarding.NewService(onboarding.Config{DB: db, Clock: clock})
	ctx := context.Background()
	publish(t, svc, onboarding.StepInput{Key: "invite_teammate", Title: "Invite", Required: true,
		Completion: onboarding.Completion{Type: onboarding.CompletionEvent, Event: serverevent.MemberInvited}})
	if _, err := svc.SetActivation(ctx, uuid.Nil, onboarding.DefinitionInput{RequiredSteps: []string{"invite_teammate"}, WindowDays: 30}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecomputeFunnelStages(ctx); err != nil {
		t.Fatal(err)
	}
	// Twelve organizations on each of four days (enough for every shard),
	// a third paid, a sixth activated.
	var tenDaysAgo []uuid.UUID
	for _, daysAgo := range []int{10, 5, 1, 0} {
		for i := range 12 {
			org := newOrg(t, db)
			if _, err := db.Pool.Exec(ctx, `UPDATE onboarding_organizations SET signed_up_at = $2, utm_source = $3 WHERE organization_id = $1`,
				org, now.AddDate(0, 0, -daysAgo).Add(-time.Minute), []string{"google", "newsletter"}[i%2]); err != nil {
				t.Fatal(err)
			}
			switch {
			case i%6 == 0:
				recordAll(t, db, svc, org, serverevent.CheckoutStarted, serverevent.InvoicePaid, serverevent.MemberInvited)
			case i%3 == 0:
				recordAll(t, db, svc, org, serverevent.CheckoutStarted, serverevent.InvoicePaid)
			}
			if daysAgo == 10 {
				tenDaysAgo = append(tenDaysAgo, org)
			}
		}
	}
	q := onboarding.MetricsQuery{From: now.AddDate(0, 0, -20).Truncate(24 * time.Hour), To: now.AddDate(0, 0, 1).Truncate(24 * time.Hour)}
	funnel := func() map[string]int64 {
		t.Helper()
		f, err := svc.Funnel(ctx, q)
		if err != nil || f.Computing {
			t.Fatalf("funnel: %+v, %v", f, err)
		}
		return stageCounts(f)
	}
	before := funnel()
	if before["signed_up"] != 48 || before["paid"] != 16 || before["activated"] != 8 {
		t.Fatalf("funnel before the fold: %v", before)
	}
	folded := func(day int) int {
		return count(t, db, `SELECT count(*) FROM onboarding_daily_organizations WHERE day = ($1::timestamptz AT TIME ZONE 'UTC')::date AND shard <> 0`,
			now.AddDate(0, 0, -day))
	}
	if folded(10) != 0 || folded(5) != 0 {
		t.Fatal("organizations of days before yesterday were written to shards")
	}
	if folded(1) == 0 || folded(0) == 0 {
		t.Fatal("yesterday's and today's organizations did not spread over shards: the test shows nothing")
	}
	if moved, err := svc.FoldRollupShards(ctx); err != nil || moved != 0 {
		t.Fatalf("a fold today moved %d rows, %v: yesterday's and today's shards must stay, the batches still writing them would contend on one row", moved, err)
	}

	// Three days later, yesterday and today are days before yesterday.
	clock.Advance(3 * 24 * time.Hour)
	moved, err := svc.FoldRollupShards(ctx)
	if err != nil || moved == 0 {
		t.Fatalf("fold: %d rows moved, %v", moved, err)
	}
	if folded(1) != 0 || folded(0) != 0 {
		t.Fatal("rows of days before yesterday are still in other shards")
	}
	if n := rollupsDisagree(t, db); n != 0 {
		t.Fatalf("%d rollup keys disagree with the organizations after the fold", n)
	}
	if after := funnel(); after["signed_up"] != 48 || after["paid"] != 16 || after["activated"] != 8 {
		t.Fatalf("funnel after the fold: %v, before %v", after, before)
	}

	// An organization of a past day pays: the sums follow, in shard 0.
	var unpaid uuid.UUID
	for i, org := range tenDaysAgo {
		if i%3 != 0 {
			unpaid = org
			break
		}
	}
	recordAll(t, db, svc, unpaid, serverevent.CheckoutStarted, serverevent.InvoicePaid)
	if got := funnel()["paid"]; got != 17 {
		t.Fatalf("paid after a past day's organization paid = %d, want 17", got)
	}
	if n := rollupsDisagree(t, db); n != 0 {
		t.Fatalf("%d rollup keys disagree after a change to a past day", n)
	}
	if folded(10) != 0 {
		t.Fatal("a change to a past day's organization wrote a shard row")
	}
	// Nothing left to fold moves nothing.
	if moved, err := svc.FoldRollupShards(ctx); err != nil || moved != 0 {
		t.Fatalf("a fold with nothing to do moved %d rows, %v", moved, err)
	}
}
