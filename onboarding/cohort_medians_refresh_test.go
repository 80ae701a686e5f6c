package onboarding

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/dbtest"
)

// A refresh never computes a period whose activation a transaction in
// flight is changing: it skips (without waiting) the period that writer
// holds, computes the others, and the writer's change, once committed,
// leaves the period out of date for the next refresh, whose median then
// counts it.
func TestCohortMedianRefreshSkipsAPeriodAWriterHolds(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	svc := NewService(Config{DB: db, MinGroupSize: 1})
	september := rollupTime(t, "2026-09-07T10:00:00Z") // a Monday
	october := rollupTime(t, "2026-10-05T10:00:00Z")   // another month
	activate := func(signup time.Time, after string) uuid.UUID {
		id := uuid.Must(uuid.NewV7())
		rollupExec(t, db, `INSERT INTO organizations (id, name, created_at, updated_at) VALUES ($1, 'Org', $2, $2)`, id, signup)
		rollupExec(t, db, `UPDATE onboarding_organizations SET activated_at = signed_up_at + $2::interval WHERE organization_id = $1`, id, after)
		return id
	}
	activate(september, "2 hours")
	activate(october, "4 hours")
	if n, err := svc.RefreshCohortMedians(ctx); err != nil || n != 4 {
		t.Fatalf("first refresh: %d periods, %v; want 4 (two weeks, two months)", n, err)
	}

	// September changes (committed), then a writer activates a third
	// September organization and has not committed; October changes too.
	activate(september.Add(2*time.Hour), "3 hours")
	late := uuid.Must(uuid.NewV7())
	rollupExec(t, db, `INSERT INTO organizations (id, name, created_at, updated_at) VALUES ($1, 'Org', $2, $2)`, late, september.Add(time.Hour))
	writer, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Rollback(ctx)
	if _, err := writer.Exec(ctx, `UPDATE onboarding_organizations SET activated_at = signed_up_at + interval '6 hours' WHERE organization_id = $1`, late); err != nil {
		t.Fatal(err)
	}
	activate(october.Add(time.Hour), "8 hours")

	// October's week and month are computed; September's, out of date
	// but held by the writer, are skipped, not waited for.
	if n, err := svc.RefreshCohortMedians(ctx); err != nil || n != 2 {
		t.Fatalf("refresh beside the writer: %d periods, %v; want 2 (October's)", n, err)
	}
	if err := writer.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if stale := rollupCount(t, db, `SELECT count(*) FROM onboarding_cohort_medians WHERE computed_changes IS DISTINCT FROM changes`); stale != 2 {
		t.Fatalf("%d periods out of date after the writer committed, want 2 (September's)", stale)
	}
	if n, err := svc.RefreshCohortMedians(ctx); err != nil || n != 2 {
		t.Fatalf("refresh after the writer: %d periods, %v; want 2", n, err)
	}
	medians := map[string]float64{}
	rows, err := db.Pool.Query(ctx, `SELECT period || ' ' || start::text, median_hours FROM onboarding_cohort_medians WHERE any_source`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var key string
		var m float64
		if err := rows.Scan(&key, &m); err != nil {
			t.Fatal(err)
		}
		medians[key] = m
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"week 2026-09-07": 3, "month 2026-09-01": 3, "week 2026-10-05": 6, "month 2026-10-01": 6}
	for k, w := range want {
		if medians[k] != w {
			t.Errorf("median of %s: %v hours, want %v (all: %v)", k, medians[k], w, medians)
		}
	}
}

// Cohorts over a range of dates read the stored median of the days their
// first and last periods keep (from the first date to the period's end,
// from the period's start to the last date), as they read a whole period's:
// a value written into the stored row is what they show. Once a change
// makes the row out of date, they find the exact median in the buckets
// again.
func TestCohortsOfARangeOfDatesReadTheStoredMediansOfTheirCutPeriods(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	svc := NewService(Config{DB: db, MinGroupSize: 1})
	monday := rollupTime(t, "2026-09-07T00:00:00Z")
	activate := func(signup time.Time, after string) {
		id := uuid.Must(uuid.NewV7())
		rollupExec(t, db, `INSERT INTO organizations (id, name, created_at, updated_at) VALUES ($1, 'Org', $2, $2)`, id, signup)
		rollupExec(t, db, `UPDATE onboarding_organizations SET activated_at = signed_up_at + $2::interval WHERE organization_id = $1`, id, after)
	}
	activate(monday.Add(10*time.Hour), "2 hours")                  // Monday: before the range
	activate(monday.AddDate(0, 0, 2).Add(10*time.Hour), "4 hours") // Wednesday
	activate(monday.AddDate(0, 0, 4).Add(10*time.Hour), "10 hours")
	activate(monday.AddDate(0, 0, 7).Add(10*time.Hour), "1 hour")  // the next Monday: in the range
	activate(monday.AddDate(0, 0, 9).Add(10*time.Hour), "8 hours") // the next Wednesday: after it
	if _, err := svc.RefreshCohortMedians(ctx); err != nil {
		t.Fatal(err)
	}
	q := MetricsQuery{From: monday.AddDate(0, 0, 2), To: monday.AddDate(0, 0, 9), Interval: "week"}
	medians := func() [2]string {
		t.Helper()
		got, err := svc.Cohorts(ctx, q)
		if err != nil || len(got) != 2 {
			t.Fatalf("cohorts: %+v, %v", got, err)
		}
		var out [2]string
		for i, c := range got {
			out[i] = cohortText(c)
		}
		return out
	}
	want := [2]string{
		"2026-09-07 signed_up=2 paid=0 activated=2 median=7",
		"2026-09-14 signed_up=1 paid=0 activated=1 median=1",
	}
	if got := medians(); got != want {
		t.Fatalf("cohorts from the stored medians: %v, want %v", got, want)
	}
	checkCohortsAgainstOracle(t, svc, db.SQL(), []MetricsQuery{q})

	rollupExec(t, db, `UPDATE onboarding_cohort_medians SET suffix_medians[2] = 99 WHERE period = 'week' AND start = '2026-09-07' AND any_source`)
	rollupExec(t, db, `UPDATE onboarding_cohort_medians SET prefix_medians[2] = 42 WHERE period = 'week' AND start = '2026-09-14' AND any_source`)
	if got := medians(); got[0] != strings.Replace(want[0], "median=7", "median=99", 1) || got[1] != strings.Replace(want[1], "median=1", "median=42", 1) {
		t.Fatalf("cohorts after the stored medians were overwritten: %v; they did not read them", got)
	}

	activate(monday.AddDate(0, 0, 5).Add(10*time.Hour), "30 minutes") // Saturday: the first week is out of date
	activate(monday.AddDate(0, 0, 8).Add(10*time.Hour), "3 hours")    // Tuesday: so is the second
	want = [2]string{
		"2026-09-07 signed_up=3 paid=0 activated=3 median=4",
		"2026-09-14 signed_up=2 paid=0 activated=2 median=2",
	}
	if got := medians(); got != want {
		t.Fatalf("cohorts of out-of-date periods: %v, want %v", got, want)
	}
	checkCohortsAgainstOracle(t, svc, db.SQL(), []MetricsQuery{q})
}
